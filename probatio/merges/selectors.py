"""Reads of the merge pages: the files a manager may merge with this one, what each file holds,
and the merges a file went through."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from probatio.audit import reads as audit_reads
from probatio.audit import services as audit
from probatio.merges.models import Merge
from probatio.merges.services import person_relations
from probatio.people import selectors as people_selectors
from probatio.people.models import Address, CustodyRecord, Person
from probatio.people.services import IDENTITY_FIELDS

# The French name of what each file holds, by table (the others: their model's plural name).
LABELS = {
    "people.Person_support_staff.person": "Autres intervenant·es",
    "people.Address.person": "Adresses",
    "people.CourtFileNumber.person": "Numéros de procédure",
    "people.CustodyRecord.person": "Écrous",
    "people.SituationEntry.person": "Éléments de situation",
    "people.TimelineEvent.person": "Lignes de la chronologie",
    "people.MergedFile.kept": "Dossiers déjà fusionnés",
    "merges.Merge.kept": None,  # the same as the line above
    "measures.Decision.person": "Décisions",
    "measures.Measure.person": "Mesures",
    "notes.InterviewNote.person": "Notes d'entretien",
    "notes.NoteDraft.person": None,  # personal to their author: moved, never counted here
    "messaging.Message.person": "Rappels et messages",
    "agenda.Appointment.person": "Rendez-vous",
    "agenda.Summons.person": "Convocations",
    "compliance.Proof.person": "Justificatifs (documents)",
    "compliance.Incident.person": "Manquements",
    "reports.Report.person": "Rapports",
    "sentences.Sentence.person": "Peines d'emprisonnement",
    "reintegration.Need.person": "Besoins d'insertion",
    "reintegration.PartnerReferral.person": "Orientations",
    "reintegration.ReleasePlan.person": "Plans de sortie",
    "reintegration.ArrivalInterview.person": "Entretiens arrivants",
    "reintegration.DestitutionAssessment.person": "Situations d'indigence",
    "reintegration.DestitutionAid.person": "Aides (indigence)",
    "reintegration.FamilyContact.person": "Proches",
    "reintegration.FamilyStep.person": "Démarches liées aux proches",
    "community_work.TigOrder.person": "TIG",
}


def _label(name: str, rel) -> str | None:
    if name in LABELS:
        return LABELS[name]
    return str(rel.related_model._meta.verbose_name_plural).capitalize()


@dataclass(frozen=True)
class Holding:
    label: str
    kept: int
    absorbed: int

    @property
    def total(self) -> int:
        return self.kept + self.absorbed


def holdings(first: Person, second: Person) -> list[Holding]:
    """What each of the two files holds, per kind of record (one query): the summary of the
    comparison and of the confirmation."""
    counts = {}
    for name, rel in sorted(person_relations().items()):
        if _label(name, rel) is None:
            continue
        field = rel.field.name
        counts[name] = Coalesce(
            Subquery(
                rel.related_model._base_manager.filter(**{field: OuterRef("pk")})
                .order_by()
                .values(field)
                .annotate(n=Count("*"))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        )
    rows = {
        row["pk"]: row
        for row in Person.objects.filter(pk__in=[first.pk, second.pk])
        .annotate(**{f"n{i}": expr for i, expr in enumerate(counts.values())})
        .values("pk", *(f"n{i}" for i in range(len(counts))))
    }
    relations = person_relations()
    result = []
    for i, name in enumerate(counts):
        a = rows.get(first.pk, {}).get(f"n{i}", 0)
        b = rows.get(second.pk, {}).get(f"n{i}", 0)
        if a or b:
            result.append(Holding(_label(name, relations[name]), a, b))
    return result


@dataclass(frozen=True)
class Pair:
    """What the comparison shows of two files: each one's identity (with its CPIP and current
    address) and open committal."""

    identities: dict[int, dict[str, Any]]
    custody: dict[int, CustodyRecord | None]


def pair_of(first: Person, second: Person) -> Pair:
    """The two files' identities, current addresses and open committals (two queries)."""
    pks = [first.pk, second.pk]
    addresses = {
        a.person_id: a for a in Address.objects.filter(person_id__in=pks, valid_to__isnull=True)
    }
    custody = {
        r.person_id: r
        for r in CustodyRecord.objects.filter(
            person_id__in=pks, release_date__isnull=True
        ).select_related("establishment")
    }
    identities = {}
    for person in (first, second):
        values = {field: getattr(person, field) for field in IDENTITY_FIELDS}
        values["assigned_cpip"] = person.assigned_cpip_id
        address = addresses.get(person.pk)
        values["address"] = (
            (address.line1, address.line2, address.postcode, address.city) if address else None
        )
        identities[person.pk] = values
    return Pair(identities=identities, custody={pk: custody.get(pk) for pk in pks})


def log_pair_read(membership, persons: list[Person], what: str) -> None:
    """Journal the read of both files of a comparison (one append to the chain)."""
    # Held until the page is shown (``audit.reads``).
    audit_reads.record_reads(
        service_id=membership.service_id,
        entries=[people_selectors.file_read_entry(membership, person, what) for person in persons],
    )


def log_choose_read(membership, person: Person, what: str, *, shown: list[int], query: str):
    """Journal the read of the file and, when any were shown, the files offered to merge
    with it (a list read naming them), in one append to the chain."""
    entries = [people_selectors.file_read_entry(membership, person, what)]
    if shown:
        entries.append(
            {
                "actor": audit.actor_of(membership),
                "action": audit.Action.LIST,
                "role": membership.role,
                "object_type": "people.person",
                "summary": "Liste : dossiers à fusionner",
                "context": {"page": "merge", "person": person.pk, "query": query, "persons": shown},
            }
        )
    # Held until the page is shown (``audit.reads``).
    audit_reads.record_reads(service_id=membership.service_id, entries=entries)


CANDIDATES_SHOWN = 20


def candidates(membership, person: Person, query: str) -> tuple[list, list[Person]]:
    """The files of the service that may be this person's other file: its possible duplicates
    (``people.selectors.possible_duplicates``, with their reasons) and, with ``query``, the
    search results (never another service's file, never the file itself). The page journals
    them with the file's read (``log_choose_read``)."""
    identity = {field: getattr(person, field) for field in IDENTITY_FIELDS}
    duplicates = people_selectors.possible_duplicates(membership, identity, exclude_pk=person.pk)
    found = []
    if query.strip():
        found = list(
            people_selectors.person_list_for(membership, query=query).exclude(pk=person.pk)[
                :CANDIDATES_SHOWN
            ]
        )
    return duplicates, found


def merges_of(person: Person) -> list[Merge]:
    """The merges the file went through, latest first (its history)."""
    return list(Merge.objects.filter(kept=person).select_related("merged_by"))
