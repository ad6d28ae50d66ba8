"""The service-level page that imports the official dates of the prison registry (CSV file),
with the expected format, the problems of a refused file, and the service's previous imports."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from probatio.access.policy import Action, allows
from probatio.audit import services as audit
from probatio.core.forms import BaseForm
from probatio.core.paging import paginate
from probatio.sentences import imports, rules, selectors

# A refused file may be wrong on every line: the page lists this many problems at most.
SHOWN_PROBLEMS = 200


class ImportForm(BaseForm):
    file = forms.FileField(
        label="Fichier CSV du greffe",
        help_text=(
            f"Format CSV (UTF-8, séparateur point-virgule), {imports.MAX_MEGABYTES} Mo au plus."
        ),
        error_messages={
            "required": "Choisissez le fichier CSV à importer.",
            "empty": "Le fichier est vide.",
            "invalid": "Aucun fichier n'a été reçu : choisissez-le de nouveau.",
        },
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        too_big = f"Le fichier dépasse la taille maximale ({imports.MAX_MEGABYTES} Mo)."
        if upload.size is not None and upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(too_big)
        content = upload.read(imports.MAX_BYTES + 1)
        if len(content) > imports.MAX_BYTES:
            raise forms.ValidationError(too_big)
        if not content.strip():
            raise forms.ValidationError("Le fichier est vide.")
        self.content = content
        return upload


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count <= 1 else plural}"


def _done_message(result: imports.ImportResult) -> str:
    parts = [
        _plural(result.created, "date nouvelle", "dates nouvelles"),
        _plural(result.updated, "date modifiée", "dates modifiées")
        + (" (la date précédente reste dans l'historique)" if result.updated else ""),
        _plural(result.unchanged, "date inchangée", "dates inchangées"),
    ]
    return f"Fichier « {result.file_name} » importé : " + ", ".join(parts) + "."


def _nothing_changed_message(result: imports.ImportResult) -> str:
    return (
        f"Fichier « {result.file_name} » lu : "
        + _plural(result.rows, "date", "dates")
        + " déjà enregistrée"
        + ("s" if result.rows > 1 else "")
        + " à l'identique. Rien n'a changé et aucun import n'a été enregistré."
    )


@require_http_methods(["GET", "POST"])
def import_page(request):
    membership = request.membership
    if membership is None:
        raise Http404("Aucun service choisi.")
    if not allows(membership.role, Action.IMPORT_OFFICIAL_DATES):
        raise PermissionDenied(
            "L'import des dates officielles est réservé à l'encadrement et au secrétariat."
        )
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = imports.import_official_dates(
            membership=membership, file_name=upload.name, content=form.content
        )
        if not result.refused:
            if result.changed:
                messages.success(request, _done_message(result))
            else:
                messages.info(request, _nothing_changed_message(result))
            return redirect("detention:official_import")
    previous = selectors.official_imports_of(membership.service_id)
    page = paginate(request, previous, per_page=20)
    audit.record_list(
        membership,
        object_type="sentences.officialdatesimport",
        summary="Liste : imports de dates officielles",
        context={"page_number": page.number},
    )
    refused = result is not None and result.refused
    return render(
        request,
        "sentences/official_import.html",
        {
            "title": "Importer les dates officielles du greffe",
            "nav": "detention",
            "form": form,
            "result": result if refused else None,
            "problems": result.problems[:SHOWN_PROBLEMS] if refused else [],
            "hidden_problems": max(len(result.problems) - SHOWN_PROBLEMS, 0) if refused else 0,
            "kinds": rules.OFFICIAL_KINDS,
            "header": imports.SEPARATOR.join(imports.HEADER),
            "establishments": selectors.establishments_of_service(membership.service_id),
            "page": page,
        },
        status=400 if form.errors or refused else 200,
    )
