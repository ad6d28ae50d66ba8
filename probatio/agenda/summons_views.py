"""Summons (convocation) pages: generate the PDF, download it, record that it was sent."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.agenda import selectors, summons_services
from probatio.agenda.models import Summons
from probatio.core.downloads import private_file
from probatio.core.forms import BaseForm, DateInput, apply_errors
from probatio.people.selectors import log_person_read
from probatio.people.views import dossier_context


class SentForm(BaseForm):
    sent_on = forms.DateField(label="Date d'envoi ou de remise", widget=DateInput())
    sent_by = forms.ChoiceField(
        label="Mode d'envoi", choices=Summons.SentBy.choices, widget=forms.RadioSelect
    )


def _summons_for(request, pk: int, *, log_read: str | None = None):
    """A summons through its appointment's gate (404 outside the service or a judge's files)."""
    membership = request.membership
    if membership is None:
        raise Http404("Aucun service choisi.")
    record = selectors.summons_get_for(membership, pk)
    if record is None:
        raise Http404("Convocation introuvable.")
    gated = selectors.appointment_get_for(membership, record.appointment_id)
    if log_read:
        # The entry names the summons (the document read), not only the file.
        log_person_read(membership, gated.gated.person, log_read, document=record)
    return record, gated


@require_POST
def summons_create(request, pk: int):
    gated = selectors.appointment_get_for(request.membership, pk)
    try:
        summons_services.summons_generate(membership=request.membership, gated=gated)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, "Convocation éditée : téléchargez-la pour l'imprimer ou l'envoyer."
        )
    return redirect("agenda:detail", pk)


@require_GET
def summons_download(request, pk: int):
    record, _ = _summons_for(request, pk, log_read="convocation")
    return private_file(
        record.file,
        filename=f"convocation-{record.appointment_id}-{record.created_at:%Y%m%d}.pdf",
        content_type="application/pdf",
    )


@require_http_methods(["GET", "POST"])
def summons_sent(request, pk: int):
    record, gated = _summons_for(request, pk, log_read="envoi de convocation")
    if not gated.allows(Action.BOOK_APPOINTMENT):
        raise PermissionDenied("Votre rôle ne permet pas d'enregistrer cet envoi.")
    form = SentForm(
        request.POST or None,
        initial={"sent_on": timezone.localdate(), "sent_by": record.sent_by or "post"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            summons_services.summons_mark_sent(
                membership=request.membership,
                summons_record=record,
                sent_on=form.cleaned_data["sent_on"],
                sent_by=form.cleaned_data["sent_by"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Envoi de la convocation enregistré.")
            return redirect("agenda:detail", record.appointment_id)
    return render(
        request,
        "people/simple_form.html",
        dossier_context(
            gated.gated,
            "appointments",
            form=form,
            form_title="Enregistrer l'envoi de la convocation",
            submit_label="Enregistrer",
            cancel_url=reverse("agenda:detail", args=[record.appointment_id]),
        ),
        status=400 if form.errors else 200,
    )
