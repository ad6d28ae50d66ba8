"""The activity figures: one page per group of figures (« Suivi et mesures », « Rapports et
décisions », « Exécution des mesures »), each figure a table with its chart beside it, and
each exported as CSV or XLSX (``?figure=<code>&format=csv``), journaled with its filters.

Gate: ``read_activity_figures`` (a manager: the whole service; a CPIP: their own caseload);
others get a 403. docs/figures.md.
"""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from probatio.access.policy import Action, allows
from probatio.audit import services as audit
from probatio.core import exports
from probatio.core.db_routing import reads_from_replica
from probatio.core.exports import Kind
from probatio.core.gates import page_membership
from probatio.figures import charts, definitions, rules, selectors
from probatio.figures.definitions import Definition
from probatio.figures.forms import PeriodForm, initial_for

REFUSAL = (
    "Les chiffres d'activité sont réservés à l'encadrement et aux CPIP (pour leur propre "
    "portefeuille)."
)
EXPORT_KINDS = {
    rules.COUNT: Kind.INTEGER,
    rules.PLAIN: Kind.DECIMAL,
    rules.HOURS: Kind.DECIMAL,
    rules.POINTS: Kind.DECIMAL,
    rules.MEDIAN: Kind.DECIMAL,
    rules.SHARE: Kind.PERCENT,
    rules.PERCENT: Kind.PERCENT,
}
SECRECY = (
    "« < 5 » : de 1 à 4 (secret statistique) ; « secret » : masqué pour qu'une case « < 5 » "
    "ne se déduise pas du total ; « n.s. » : calculé sur moins de 5 personnes ; « — » : sans "
    "objet."
)


@dataclass
class Block:
    definition: Definition
    masked: rules.Masked
    chart: SafeString
    stored: bool


def _scope_label(scope: selectors.Scope) -> str:
    return "mon portefeuille" if scope.cpip_id is not None else "tout le service"


def _filters(period: rules.Period, scope: selectors.Scope, **extra) -> dict:
    return {
        "period": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "scope": "caseload" if scope.cpip_id is not None else "service",
        "version": rules.DEFINITIONS_VERSION,
        **extra,
    }


def export_table(
    definition: Definition, masked: rules.Masked, period: rules.Period, scope
) -> exports.Table:
    """The figure as the page shows it: masked cells as their words, numbers as numbers."""
    columns = [exports.Column(definition.row_header or "Ligne")] + [
        exports.Column(c.label, EXPORT_KINDS[c.kind]) for c in masked.columns
    ]
    rows = [
        [row.label] + [cell.value if cell.value is not None else cell.text for cell in row.cells]
        for row in masked.all_rows
    ]
    filters = [
        ("Période", period.label),
        ("Du", period.start.strftime("%d/%m/%Y")),
        ("Au", period.end.strftime("%d/%m/%Y")),
        ("Périmètre", _scope_label(scope)),
        ("Secret statistique", SECRECY),
        ("Version des définitions", str(rules.DEFINITIONS_VERSION)),
    ]
    if masked.as_of:
        filters.append(("Chiffres au", masked.as_of.strftime("%d/%m/%Y")))
    return exports.Table(definition.title, columns, rows, filters)


def _period(request, today):
    """The form and the period it asks for (the default period when nothing was asked)."""
    asked = "type" in request.GET
    default = rules.default_period(today)
    form = PeriodForm(request.GET if asked else None, today=today, initial=initial_for(default))
    if not asked:
        return form, default
    return form, form.period if form.is_valid() else None


@reads_from_replica()  # the figures' reads on the replica when there is one (its journal line not)
def _group_page(request, group: str):
    membership = page_membership(request, Action.READ_ACTIVITY_FIGURES, REFUSAL)
    today = timezone.localdate()
    scope = selectors.Scope.of(membership)
    group_definitions = definitions.of_group(group)
    form, period = _period(request, today)
    context = {
        "title": f"Chiffres d'activité : {definitions.GROUPS[group]}",
        "nav": "figures",
        "form": form,
        "group": group,
        "tabs": [
            (key, label, definitions.GROUP_URLS[key]) for key, label in definitions.GROUPS.items()
        ],
        "scope_label": _scope_label(scope),
        "service_tables": allows(membership.role, Action.READ_SERVICE_FIGURES),
        "secrecy": SECRECY,
        "version": rules.DEFINITIONS_VERSION,
    }
    if period is None:
        # A period refused: its message beside its field, nothing computed nor journaled.
        return render(request, "figures/group.html", context, status=400)
    file_format = exports.requested_format(request)
    if file_format:
        code = request.GET.get("figure", "")
        definition = definitions.BY_CODE.get(code)
        if definition is None or definition.group != group:
            raise Http404("Ce chiffre n'existe pas sur cette page.")
        figures, _ = selectors.figures_for(scope, period, [code], today=today)
        table = export_table(definition, rules.mask(figures[code]), period, scope)
        audit.record_export(
            membership,
            object_type="figures.figure",
            summary=f"Export : {definition.title} ({period.label})",
            context=_filters(period, scope, figure=code),
            file_format=file_format,
            rows=len(table.rows),
        )
        return exports.table_response(
            table, file_format=file_format, stem=f"chiffres-{code}-{period.start:%Y-%m-%d}"
        )
    codes = [d.code for d in group_definitions]
    figures, from_store = selectors.figures_for(scope, period, codes, today=today)
    blocks = []
    for definition in group_definitions:
        masked = rules.mask(figures[definition.code])
        blocks.append(
            Block(
                definition,
                masked,
                charts.bar_chart(
                    masked,
                    list(definition.series),
                    title=f"{definition.title} ({period.label})",
                    chart_id=f"graphique-{definition.code}",
                    unit=definition.unit,
                ),
                definition.code in from_store,
            )
        )
    audit.record_list(
        membership,
        object_type="figures.figure",
        summary=f"Chiffres d'activité : {definitions.GROUPS[group]} ({period.label})",
        context=_filters(period, scope, group=group),
    )
    context.update({"period": period, "blocks": blocks, "closed": period.closed(today)})
    return render(request, "figures/group.html", context)


@require_GET
def index(request):
    return _group_page(request, definitions.SUIVI)


@require_GET
def decisions(request):
    return _group_page(request, definitions.DECISIONS)


@require_GET
def execution(request):
    return _group_page(request, definitions.EXECUTION)
