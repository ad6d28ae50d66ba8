"""Reads of the prison side: the dossier's date panel (a fixed number of queries whatever the
number of sentences, reductions and official dates), and the stored dates of many persons at
once (one query) for the échéancier and the CAP list."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, FilteredRelation, OuterRef, Q, QuerySet, Subquery

from probatio.organisation.models import Establishment
from probatio.people.models import CustodyRecord, Person
from probatio.sentences import engine, rules
from probatio.sentences.models import (
    OfficialDate,
    OfficialDatesImport,
    PenalSituation,
    Reduction,
    Sentence,
)
from probatio.sentences.services import engine_input, reduction_totals


@dataclass
class DateRow:
    name: str
    label: str
    computed: date | None
    explanations: list[engine.Explanation]
    official: OfficialDate | None = None
    difference: rules.Difference | None = None
    official_kind: str = ""  # the registry's kind facing this date, when there is one


@dataclass
class Panel:
    custody: CustodyRecord | None
    situation: PenalSituation | None = None
    sentences: list[Sentence] = field(default_factory=list)
    reductions: list[Reduction] = field(default_factory=list)
    official_history: list[OfficialDate] = field(default_factory=list)
    result: engine.SentenceDates | None = None
    rows: list[DateRow] = field(default_factory=list)
    orphan_officials: list[OfficialDate] = field(default_factory=list)  # no estimate to face
    error: str = ""
    released_at_once: bool = False  # the remand alone covers the sentence

    @property
    def granted_days(self) -> int:
        return reduction_totals(self.reductions)[0]

    @property
    def withdrawn_days(self) -> int:
        return reduction_totals(self.reductions)[1]

    @property
    def differences(self) -> list[DateRow]:
        return [r for r in self.rows if r.difference and r.difference.differs]


def last_closed_committal(person: Person) -> CustodyRecord | None:
    """The person's most recent committal that ended (its prison history), if any."""
    return (
        CustodyRecord.objects.filter(person=person, release_date__isnull=False)
        .select_related("establishment")
        .order_by("-release_date", "-pk")
        .first()
    )


def sentences_to_serve(person: Person) -> list[Sentence]:
    """Prison sentences the judge ordered to be served, not yet under a committal."""
    return list(
        Sentence.objects.filter(person=person, situation__isnull=True).select_related("decision")
    )


def panel_for(person: Person, custody: CustodyRecord | None) -> Panel:
    """Everything the dossier's sentence tab shows, for the open committal (4 queries)."""
    panel = Panel(custody=custody)
    if custody is None:
        return panel
    situation = PenalSituation.objects.filter(custody=custody).first()
    officials = list(
        OfficialDate.objects.filter(custody=custody).select_related("recorded_by", "batch")
    )
    panel.official_history = officials
    current = {o.kind: o for o in officials if o.is_current}
    if situation is not None:
        situation.custody = custody
        panel.situation = situation
        panel.sentences = list(situation.sentences.select_related("decision"))
        panel.reductions = list(situation.reductions.select_related("decision"))
        data = engine_input(
            situation,
            sentences=panel.sentences,
            reductions=panel.reductions,
            birth_date=person.birth_date,
        )
        if data is not None:
            try:
                panel.result = engine.check(data)
            except engine.InputError as error:
                panel.error = error.message
            else:
                panel.released_at_once = panel.result.end_date <= custody.committal_date
    computed = (
        {name: getattr(panel.result, name) for name in rules.COMPUTED_FIELDS}
        if panel.result
        else {}
    )
    facing = {v: k for k, v in rules.OFFICIAL_TO_COMPUTED.items()}
    for name, label in rules.COMPUTED_LABELS.items():
        kind = facing.get(name)
        official = current.pop(kind, None) if kind else None
        value = computed.get(name)
        if value is None and official is None:
            continue
        panel.rows.append(
            DateRow(
                name=name,
                label=label,
                computed=value,
                explanations=[e for e in panel.result.explanations if e.field == name]
                if panel.result
                else [],
                official=official,
                official_kind=kind or "",
                difference=rules.difference(kind, official.date, computed) if official else None,
            )
        )
    panel.orphan_officials = list(current.values())
    return panel


def _official(kind: str):
    return Subquery(
        OfficialDate.objects.filter(custody_id=OuterRef("custody_id"), kind=kind, is_current=True)
        .order_by()
        .values("date")[:1]
    )


DATE_VALUES = [
    "custody__person_id",
    "custody__person__assigned_cpip_id",
    "custody__establishment_id",
    "custody__committal_number",
    "custody__committal_date",
    *rules.COMPUTED_FIELDS,
]


def stored_dates(situations: QuerySet[PenalSituation], *extra: str) -> list[dict]:
    """The stored estimates of open committals, with the registry's current dates laid over
    them where known (the official date wins), in one query. Each row also keeps the
    estimate under ``estimated_<field>``, and the ``extra`` values asked for (the person's
    name, for a list)."""
    rows = situations.filter(custody__release_date__isnull=True).annotate(
        **{f"official_{kind}": _official(kind) for kind in rules.OFFICIAL_TO_COMPUTED}
    )
    return [
        _overlay(row)
        for row in rows.values(
            *DATE_VALUES, *extra, *(f"official_{k}" for k in rules.OFFICIAL_TO_COMPUTED)
        )
    ]


def _overlay(row: dict) -> dict:
    """Lay the registry's current dates (``official_<kind>`` keys) over the estimates."""
    row["official_fields"] = set()
    for kind, name in rules.OFFICIAL_TO_COMPUTED.items():
        row[f"estimated_{name}"] = row[name]
        official = row.pop(f"official_{kind}")
        if official is not None:
            row[name] = official
            row["official_fields"].add(name)
    for info, announced in (
        ("lsc_information_date", "lsc_review_date"),
        ("lsc_plein_droit_information_date", "lsc_plein_droit_date"),
    ):
        estimated = row[f"estimated_{announced}"]
        committal = row["custody__committal_date"]
        # The registry's date moves the information date with it (one month before, never
        # before the committal, never after the date announced). The one exception is the
        # information of a short sentence (6 months or less), due at the committal by rule for
        # both the LSC review and the LSC de plein droit: the estimate put it there although
        # one month before the estimated date falls later.
        moved = row[announced] != estimated and row[announced] is not None
        at_committal_by_rule = (
            row[info] == committal and engine.information_date(estimated, committal) != committal
        )
        if moved and row[info] and not at_committal_by_rule:
            row[info] = engine.information_date(row[announced], committal)
    return row


def with_stored_dates(persons: QuerySet[Person]) -> QuerySet[Person]:
    """Annotate a list of persons with their open committal's stored dates and the registry's
    current ones (joined into the list's own query: no query of its own). Read them back with
    ``dates_from_annotations``."""
    open_custody = FilteredRelation(
        "custody_records", condition=Q(custody_records__release_date__isnull=True)
    )
    values = {
        "sd_custody_id": F("open_custody__id"),
        "sd_committal_number": F("open_custody__committal_number"),
        "sd_committal_date": F("open_custody__committal_date"),
        "sd_establishment_id": F("open_custody__establishment_id"),
        "sd_computed_at": F("open_custody__penal_situation__computed_at"),
        **{
            f"sd_{name}": F(f"open_custody__penal_situation__{name}")
            for name in rules.COMPUTED_FIELDS
        },
    }
    officials = {
        f"sd_official_{kind}": Subquery(
            OfficialDate.objects.filter(
                custody_id=OuterRef("sd_custody_id"), kind=kind, is_current=True
            )
            .order_by()
            .values("date")[:1]
        )
        for kind in rules.OFFICIAL_TO_COMPUTED
    }
    return persons.annotate(open_custody=open_custody).annotate(**values).annotate(**officials)


def dates_from_annotations(persons: list[Person]) -> list[dict]:
    """The rows of ``stored_dates`` for persons annotated by ``with_stored_dates``."""
    rows = []
    for person in persons:
        if getattr(person, "sd_computed_at", None) is None:
            continue  # not in prison, or no penal situation recorded
        row = {
            "custody__person_id": person.pk,
            "custody__person__assigned_cpip_id": person.assigned_cpip_id,
            "custody__establishment_id": person.sd_establishment_id,
            "custody__committal_number": person.sd_committal_number,
            "custody__committal_date": person.sd_committal_date,
            **{name: getattr(person, f"sd_{name}") for name in rules.COMPUTED_FIELDS},
            **{
                f"official_{kind}": getattr(person, f"sd_official_{kind}")
                for kind in rules.OFFICIAL_TO_COMPUTED
            },
        }
        rows.append(_overlay(row))
    return rows


def dates_of_persons(persons: QuerySet[Person]) -> list[dict]:
    return stored_dates(
        PenalSituation.objects.filter(custody__person_id__in=persons.order_by().values("pk"))
    )


# --- The import page of the official dates ---


def official_imports_of(service_id: int) -> QuerySet[OfficialDatesImport]:
    """The service's imports of official dates, latest first, with who imported them (paged by
    the caller)."""
    return OfficialDatesImport.objects.filter(service_id=service_id).select_related("imported_by")


def establishments_of_service(service_id: int) -> QuerySet[Establishment]:
    """The service's establishments, whose registries the import reads (read by the template)."""
    return Establishment.objects.filter(service_id=service_id)


# --- The dossier's forms -----------------------------------------------------------------------


def sentence_get(person: Person, pk: int) -> Sentence:
    """One sentence of one of the person's committals, with its situation and committal (404
    otherwise)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        Sentence.objects.select_related("situation__custody"),
        pk=pk,
        situation__custody__person=person,
    )


def terms_of(custody: CustodyRecord) -> PenalSituation:
    """The committal's penal situation; unrecorded, an unsaved one with the defaults (a read
    writes nothing)."""
    return PenalSituation.objects.filter(custody=custody).first() or PenalSituation()
