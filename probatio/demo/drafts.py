"""A draft left by the first CPIP (cpip.demo): the note of their latest interview held
without a note yet, begun from the appointment's page and not finished. Opening that
appointment's note (« Rédiger la note de cet entretien ») restores it; the person's
« Chronologie » lists it under « Brouillons en cours ». Uses no random draw: the rest of the
demo is unchanged."""

import random
from datetime import date

from django.utils import timezone

from probatio.access.policy import Action
from probatio.access.roles import Role
from probatio.agenda.models import Appointment
from probatio.notes import services as note_services
from probatio.people.selectors import person_get_for


def build_drafts(*, service, staff, rng: random.Random, fake, today: date) -> None:
    cpip = staff[Role.CPIP][0]
    appointment = (
        Appointment.objects.filter(
            person__service=service,
            person__assigned_cpip=cpip.user,
            staff=cpip.user,
            status=Appointment.Status.HONOURED,
            note__isnull=True,
            starts_at__date__lte=today,
        )
        .order_by("-starts_at", "-pk")
        .first()
    )
    if appointment is None:
        return
    gated = person_get_for(cpip, appointment.person_id, action=Action.WRITE_NOTE)
    note_services.draft_save(
        gated=gated,
        place=note_services.Place.APPOINTMENT,
        place_id=appointment.pk,
        data={
            "interview_date": timezone.localtime(appointment.starts_at).date(),
            "subject": appointment.get_kind_display(),
            "body": "Venu·e à l'heure. Point sur la recherche d'emploi : deux candidatures "
            "envoyées, un entretien d'embauche prévu la semaine prochaine. À compléter : ",
        },
    )
