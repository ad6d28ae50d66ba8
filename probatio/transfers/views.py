"""Pages of transfers: the dossier's « Transférer à un autre service » form (a manager of the
sending service), a request's page (its state; the answer for the receiving managers, the
withdrawal for the sending ones) and the managers' list of incoming and outgoing requests."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.audit import services as audit
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.people.selectors import person_get_for
from probatio.people.views import dossier_context
from probatio.transfers import selectors, services
from probatio.transfers.forms import AnswerForm, ProposeForm

LIST_SIZE = 50  # the latest requests of each direction shown on the list


@require_http_methods(["GET", "POST"])
def transfer_propose(request, pk: int):
    gated = person_get_for(
        request.membership, pk, action=Action.TRANSFER_FILE, log_read="formulaire de transfert"
    )
    person = gated.person
    choices = list(selectors.receiving_choices(person.service).order_by("name"))
    pending = selectors.pending_of(person)
    form = ProposeForm(request.POST or None, services=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = services.transfer_propose(
                gated=gated,
                to_service=selectors.receiving_get(person.service, data["to_service"]),
                reason=data["reason"],
                comment=data["comment"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Transfert proposé à « {transfer.to_service} » : le dossier reste suivi par "
                "votre service jusqu'à la réponse.",
            )
            return redirect("transfers:detail", transfer.pk)
    return render(
        request,
        "transfers/propose.html",
        dossier_context(
            gated,
            "identity",
            form=form,
            pending=pending,
            has_choices=bool(choices),
            title=("Erreur : " if form.errors else "") + f"Transférer le dossier — {person}",
        ),
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def transfer_detail(request, pk: int):
    g = selectors.transfer_get_for(request.membership, pk, log_read="demande de transfert")
    form = AnswerForm(request.POST or None) if g.can_answer else None
    if request.method == "POST":
        if form is None:
            if g.side == selectors.RECEIVING:
                messages.error(request, services.closed_message(g.transfer))
                return redirect("transfers:detail", pk)
            raise PermissionDenied("La réponse revient à l'encadrement du service d'accueil.")
        if form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            try:
                services.transfer_answer(
                    gated_transfer=g, accept=accept, comment=form.cleaned_data["comment"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    "Transfert accepté : le dossier est dans votre file d'attribution."
                    if accept
                    else "Transfert refusé : le service d'origine en est informé.",
                )
                return redirect("transfers:detail", pk)
    transfer = g.transfer
    return render(
        request,
        "transfers/detail.html",
        {
            "title": ("Erreur : " if form is not None and form.errors else "")
            + "Demande de transfert",
            "g": g,
            "transfer": transfer,
            "form": form,
            "accept_on": selectors.accept_on(transfer) if transfer.is_pending else None,
            "measures": selectors.open_measures_of(transfer.person_id)
            if g.side == selectors.RECEIVING
            else [],
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_POST
def transfer_withdraw(request, pk: int):
    g = selectors.transfer_get_for(request.membership, pk)
    if g.side != selectors.SENDING:
        raise PermissionDenied("Seul le service qui a proposé le transfert peut le retirer.")
    try:
        services.transfer_withdraw(gated=g.gated, transfer=g.transfer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Demande de transfert retirée : le dossier reste dans votre "
                                  "service.")  # fmt: skip
    return redirect("transfers:detail", pk)


def transfer_list(request):
    membership = page_membership(
        request, Action.TRANSFER_FILE, "Les transferts de dossiers sont gérés par l'encadrement."
    )
    incoming = list(selectors.incoming_of(membership.service_id)[:LIST_SIZE])
    outgoing = list(selectors.outgoing_of(membership.service_id)[:LIST_SIZE])
    audit.record_list(
        membership,
        object_type="transfers.transfer",
        summary="Liste : transferts de dossiers",
        context={"page": "transfers"},
    )
    return render(
        request,
        "transfers/list.html",
        {
            "title": "Transferts de dossiers",
            "incoming": incoming,
            "pending_incoming": [t for t in incoming if t.is_pending],
            "outgoing": outgoing,
        },
    )
