"""The merge pages, under the file a manager starts from: choose the other file, compare and
choose what to keep, confirm. Nothing is written before « Confirmer la fusion »: the choices
travel in the query string (comparison → confirmation) and in the confirmation's form."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from probatio.access.policy import Action
from probatio.core.forms import apply_errors
from probatio.merges import selectors, services
from probatio.merges.forms import CandidateSearchForm, MergeChoiceForm
from probatio.people.selectors import person_get_for
from probatio.people.views import dossier_context

READ = "fusion de dossiers"
SELF = (
    "Un dossier ne peut pas être fusionné avec lui-même : choisissez l'autre dossier de la "
    "personne."
)


def _context(gated, title: str, **extra) -> dict:
    return {**dossier_context(gated, "identity", **extra), "title": f"{gated.person} — {title}"}


@require_GET
def choose(request, pk: int):
    """The other file: the possible duplicates of this one, or a search in the service."""
    return _choose_page(request, pk)


def _choose_page(request, pk: int, error: str = ""):
    gated = person_get_for(request.membership, pk, action=Action.MERGE_FILES)
    form = CandidateSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    duplicates, found = selectors.candidates(request.membership, gated.person, query)
    selectors.log_choose_read(
        request.membership,
        gated.person,
        READ,
        shown=[d.person.pk for d in duplicates] + [p.pk for p in found],
        query=query,
    )
    return render(
        request,
        "merges/choose.html",
        _context(
            gated,
            "Fusionner avec un autre dossier",
            search_form=form,
            query=query,
            duplicates=duplicates,
            found=found,
            merges=selectors.merges_of(gated.person),
            error=error,
        ),
        status=400 if error or form.errors else 200,
    )


def _pair(request, pk: int, other: int):
    first = person_get_for(request.membership, pk, action=Action.MERGE_FILES)
    second = person_get_for(request.membership, other, action=Action.MERGE_FILES)
    selectors.log_pair_read(request.membership, [first.person, second.person], READ)
    pair = selectors.pair_of(first.person, second.person)
    return first, second, pair


def _comparison(request, first, second, pair, form, status=200):
    custody = list(pair.custody.values())
    return render(
        request,
        "merges/compare.html",
        _context(
            first,
            "Comparer et choisir",
            other=second.person,
            form=form,
            rows=form.result_rows(),
            holdings=selectors.holdings(first.person, second.person),
            both_in_custody=all(custody),
            custody=custody,
        ),
        status=status,
    )


@require_GET
def compare(request, pk: int, other: int):
    """Side by side: the identity of both files, what each holds, a choice per difference."""
    if pk == other:
        return _choose_page(request, pk, error=SELF)
    first, second, pair = _pair(request, pk, other)
    form = MergeChoiceForm(
        request.GET or None, first=first.person, second=second.person, identities=pair.identities
    )
    if form.is_bound:
        form.is_valid()
    return _comparison(request, first, second, pair, form, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def confirm(request, pk: int, other: int):
    """The result and everything that will move; « Confirmer la fusion » merges (one
    transaction), « Annuler » leaves both files as they are."""
    if pk == other:
        return _choose_page(request, pk, error=SELF)
    first, second, pair = _pair(request, pk, other)
    data = request.POST if request.method == "POST" else request.GET
    form = MergeChoiceForm(
        data, first=first.person, second=second.person, identities=pair.identities
    )
    if not form.is_valid():
        return _comparison(request, first, second, pair, form, status=400)
    answers = [(name, form.data.get(name, "")) for name in form.fields]
    kept, absorbed = (first, second) if form.kept_pk() == first.person.pk else (second, first)
    if request.method == "POST":
        try:
            services.merge_files(gated=kept, absorbed=absorbed, choices=form.choices())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Les dossiers sont fusionnés : le dossier n° {absorbed.person.pk} mène "
                f"désormais à ce dossier (n° {kept.person.pk}).",
            )
            return redirect("people:detail", kept.person.pk)
    return render(
        request,
        "merges/confirm.html",
        _context(
            first,
            "Confirmer la fusion",
            other=second.person,
            kept=kept.person,
            absorbed=absorbed.person,
            form=form,
            rows=form.result_rows(),
            holdings=selectors.holdings(kept.person, absorbed.person),
            answers=answers,
            query=urlencode(answers),
        ),
        status=400 if form.errors else 200,
    )
