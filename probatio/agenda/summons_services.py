"""Writes on summonses: generating the PDF, recording that it was sent."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from probatio.access.policy import Action
from probatio.agenda import rules, summons
from probatio.agenda.models import Appointment, Summons
from probatio.agenda.selectors import GatedAppointment
from probatio.audit import services as audit
from probatio.core.errors import field_errors
from probatio.people.journal import Event
from probatio.people.journal import write as journal
from probatio.people.models import TimelineEvent


@transaction.atomic
def summons_generate(*, membership, gated: GatedAppointment, today: date | None = None) -> Summons:
    today = today or timezone.localdate()
    appointment = gated.appointment
    if not gated.allows(Action.BOOK_APPOINTMENT):
        raise PermissionDenied("Votre rôle ne permet pas d'éditer cette convocation.")
    if appointment.status in (Appointment.Status.CANCELLED, Appointment.Status.POSTPONED):
        raise field_errors(
            appointment="Ce rendez-vous est annulé ou reporté : éditez la convocation du "
            "nouveau rendez-vous."
        )
    content = summons.render_pdf(summons.letter_for(appointment, today=today))
    record = Summons(
        appointment=appointment,
        person=appointment.person,
        sha256=summons.sha256(content),
        size=len(content),
        created_by=membership.user,
    )
    name = f"convocation-{appointment.person_id}-{appointment.pk}-{today:%Y%m%d}.pdf"
    record.file.save(name, ContentFile(content), save=False)
    record.save()
    journal(
        membership,
        record,
        person=appointment.person,
        summary="Convocation éditée",
        timeline=Event(
            TimelineEvent.Kind.APPOINTMENT,
            "Convocation éditée pour le rendez-vous du "
            f"{rules.paris(appointment.starts_at):%d/%m/%Y à %H:%M}",
        ),
    )
    return record


@transaction.atomic
def summons_mark_sent(
    *, membership, summons_record: Summons, sent_on: date, sent_by: str, today: date | None = None
) -> Summons:
    today = today or timezone.localdate()
    if sent_on > today:
        raise field_errors(sent_on="La date d'envoi ne peut pas être dans le futur.")
    if sent_on < timezone.localtime(summons_record.created_at).date():
        raise field_errors(sent_on="La convocation ne peut pas être envoyée avant d'être éditée.")
    if sent_by not in Summons.SentBy.values:
        raise field_errors(sent_by="Choisissez le mode d'envoi.")
    before = audit.snapshot(summons_record, ["sent_on", "sent_by"])
    summons_record.sent_on = sent_on
    summons_record.sent_by = sent_by
    summons_record.save(update_fields=["sent_on", "sent_by"])
    journal(
        membership,
        summons_record,
        person=summons_record.person,
        summary="Envoi de la convocation enregistré",
        before=before,
        timeline=Event(
            TimelineEvent.Kind.APPOINTMENT,
            f"Convocation envoyée le {sent_on:%d/%m/%Y} "
            f"({summons_record.get_sent_by_display().lower()})",
        ),
    )
    return summons_record
