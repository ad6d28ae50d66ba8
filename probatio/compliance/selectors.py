"""Reading compliance: proof schedules with their statuses, and incident proposals.

Every function runs a fixed number of queries whatever the number of persons, obligations or
proofs: obligations in one query, their proofs in one, the address changes and the custody
periods in one; the schedules are then computed by ``rules`` in Python. The custody periods
pause the schedules of the measures a committal suspends (``catalogue.SUSPENDED_BY_CUSTODY``).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import CharField, QuerySet, Value

from probatio.agenda import rules as agenda_rules
from probatio.agenda.models import Appointment
from probatio.compliance import rules, sources
from probatio.compliance.models import Incident, Proof
from probatio.measures.catalogue import SUSPENDED_BY_CUSTODY
from probatio.measures.models import Measure, Obligation
from probatio.people.models import Address, CustodyRecord

# Missing proofs are proposed as incidents, and listed in the échéancier, this long after they
# were due; older gaps stay visible in the dossier's history.
RECENT_DAYS = 90


@dataclass
class ObligationCompliance:
    obligation: Obligation
    states: list[rules.SlotState]
    proofs_by_slot: dict[date, list[Proof]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[rules.Status, int]:
        return rules.counts(self.states)

    @property
    def overall(self) -> str:
        """One word for the whole obligation: the worst status met."""
        counts = self.counts
        for status in (rules.Status.MISSING, rules.Status.LATE, rules.Status.TO_REVIEW):
            if counts[status]:
                return status
        return rules.Status.ON_TIME if self.states else ""

    @property
    def rows(self) -> list[tuple[rules.SlotState, list[Proof]]]:
        """Newest period first, with every proof registered for it."""
        return [(s, self.proofs_by_slot.get(s.slot.key, [])) for s in reversed(self.states)]


def effective_end(obligation: Obligation) -> date | None:
    """The obligation stops being checked at its own end or its measure's, whichever first."""
    ends = [d for d in (obligation.end_date, obligation.measure.end_date) if d]
    return min(ends) if ends else None


def slots_of(
    obligation: Obligation,
    *,
    today: date,
    grace_days: int,
    changes: list[date],
    since: date | None = None,
    custody: Iterable[rules.Pause] = (),
) -> list[rules.Slot]:
    """The obligation's schedule. ``custody``: the person's custody periods; they pause it
    only when a committal suspends its measure (a sursis probatoire, a TIG, an SSJ), not a
    parole's or a home detention's."""
    suspended = obligation.measure.measure_type_id in SUSPENDED_BY_CUSTODY
    return rules.schedule(
        obligation.proof_frequency,
        start=obligation.start_date,
        end=effective_end(obligation),
        today=today,
        grace_days=grace_days,
        course=rules.is_course(obligation.obligation_type_id),
        changes=changes,
        since=since,
        pauses=custody if suspended else (),
    )


def scheduled_obligations(person_ids) -> QuerySet[Obligation]:
    """Obligations with a proof schedule (``person_ids``: a queryset of person ids)."""
    return (
        Obligation.objects.filter(
            measure__person_id__in=person_ids,
            proof_frequency__in=rules.SCHEDULED,
        )
        .exclude(measure__status=Measure.Status.VOID)
        .select_related("obligation_type", "measure__measure_type", "measure__person")
        .order_by("measure__person_id", "obligation_type__sort_order", "pk")
    )


def address_changes(person_ids) -> dict[int, list[date]]:
    changes: dict[int, list[date]] = defaultdict(list)
    for person_id, day in Address.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "valid_from"
    ):
        changes[person_id].append(day)
    return changes


# Mark the address and custody rows in the unions below.
_ADDRESS = "address"
_CUSTODY = "custody"


def _addresses_and_custody(person_ids):
    """Rows (person id, day, second day, mark) of the persons' address changes (the day twice)
    and custody periods (committal, release or None), for a UNION ALL."""
    addresses = (
        Address.objects.filter(person_id__in=person_ids)
        .order_by()
        .annotate(mark=Value(_ADDRESS, output_field=CharField()))
        .values_list("person_id", "valid_from", "valid_from", "mark")
    )
    custody = (
        CustodyRecord.objects.filter(person_id__in=person_ids)
        .order_by()
        .annotate(mark=Value(_CUSTODY, output_field=CharField()))
        .values_list("person_id", "committal_date", "release_date", "mark")
    )
    return addresses, custody


def changes_and_custody(person_ids) -> tuple[dict[int, list[date]], dict[int, list[rules.Pause]]]:
    """The address changes and the custody periods per person, in ONE query (a UNION ALL)."""
    addresses, custody = _addresses_and_custody(person_ids)
    changes: dict[int, list[date]] = defaultdict(list)
    pauses: dict[int, list[rules.Pause]] = defaultdict(list)
    for person_id, day, other, mark in addresses.union(custody, all=True):
        if mark == _CUSTODY:
            pauses[person_id].append((day, other))
        else:
            changes[person_id].append(day)
    return changes, pauses


def _facts_and_changes(obligation_ids, person_ids):
    """The proofs' facts per obligation, the address changes and the custody periods per
    person, in ONE query (a UNION ALL): the échéancier and the caseload call every provider on
    each page, and this keeps the proof provider at two queries."""
    proofs = (
        Proof.objects.filter(obligation_id__in=obligation_ids)
        .order_by()
        .values_list("obligation_id", "period_start", "received_on", "status")
    )
    addresses, custody = _addresses_and_custody(person_ids)
    facts: dict[int, list[rules.ProofFact]] = defaultdict(list)
    changes: dict[int, list[date]] = defaultdict(list)
    pauses: dict[int, list[rules.Pause]] = defaultdict(list)
    for owner, day, other, status in proofs.union(addresses, custody, all=True):
        if status == _ADDRESS:
            changes[owner].append(day)
        elif status == _CUSTODY:
            pauses[owner].append((day, other))
        else:
            facts[owner].append(rules.ProofFact(day, other, status))
    return facts, changes, pauses


def compliance_of(
    obligations: list[Obligation],
    *,
    today: date,
    grace_days: int,
    with_proofs: bool = True,
    since: date | None = None,
) -> list[ObligationCompliance]:
    """Each obligation's schedule with statuses. ``with_proofs``: also the proofs themselves,
    per slot, for display (two more queries: proofs, then addresses with custody periods);
    without: their facts only (one more query, all three read together)."""
    if not obligations:
        return []
    ids = [o.pk for o in obligations]
    person_ids = {o.measure.person_id for o in obligations}
    by_obligation: dict[int, list[Proof]] = defaultdict(list)
    if with_proofs:
        for proof in (
            Proof.objects.filter(obligation_id__in=ids)
            .select_related("reviewed_by", "registered_by")
            .order_by("received_on", "pk")
        ):
            by_obligation[proof.obligation_id].append(proof)
        facts = {
            pk: [rules.ProofFact(p.period_start, p.received_on, p.status) for p in proofs]
            for pk, proofs in by_obligation.items()
        }
        changes, pauses = changes_and_custody(person_ids)
    else:
        facts, changes, pauses = _facts_and_changes(ids, person_ids)
    result = []
    for obligation in obligations:
        slots = slots_of(
            obligation,
            today=today,
            grace_days=grace_days,
            changes=changes.get(obligation.measure.person_id, []),
            since=since,
            custody=pauses.get(obligation.measure.person_id, []),
        )
        by_slot: dict[date, list[Proof]] = defaultdict(list)
        for proof in by_obligation.get(obligation.pk, []):
            by_slot[proof.period_start].append(proof)
        result.append(
            ObligationCompliance(
                obligation=obligation,
                states=rules.compliance(slots, facts.get(obligation.pk, []), today),
                proofs_by_slot=dict(by_slot),
            )
        )
    return result


def person_compliance(
    person, *, today: date, with_proofs: bool = True
) -> list[ObligationCompliance]:
    """The dossier's summary: every scheduled obligation of the person (3 queries; 2 without
    the proofs themselves), custody periods included."""
    obligations = list(scheduled_obligations([person.pk]))
    return compliance_of(
        obligations,
        today=today,
        grace_days=person.service.proof_grace_days,
        with_proofs=with_proofs,
    )


def open_slots(person, obligation: Obligation, *, today: date) -> list[rules.SlotState]:
    """The slots a new proof may be registered for: all of them, newest first, the ones
    still lacking an accepted proof first."""
    [item] = compliance_of([obligation], today=today, grace_days=person.service.proof_grace_days)
    lacking = [s for s in item.states if s.status not in (rules.Status.ON_TIME, rules.Status.LATE)]
    done = [s for s in item.states if s not in lacking]
    return list(reversed(lacking)) + list(reversed(done))


# --- Incident proposals. ---


@dataclass(frozen=True)
class Proposal:
    """An incident the software suggests; nothing is stored until the CPIP acts."""

    kind: str  # Incident.Kind
    occurred_on: date
    label: str
    measure_id: int | None = None
    obligation_id: int | None = None
    appointment_id: int | None = None
    missed_period_start: date | None = None
    # Another app's record (``compliance.sources``): its parameter and id.
    source_param: str = ""
    source_id: int | None = None

    @property
    def query(self) -> str:
        """The form's GET parameters that prefill the incident from this proposal."""
        if self.appointment_id:
            return f"rendez_vous={self.appointment_id}"
        if self.source_param:
            return f"{self.source_param}={self.source_id}"
        return f"obligation={self.obligation_id}&periode={self.missed_period_start:%Y-%m-%d}"


def proposals(
    person,
    compliance: list[ObligationCompliance],
    incidents: list[Incident],
    *,
    today: date,
) -> list[Proposal]:
    """No-shows on a measure from the service's threshold on, proofs missing for less than
    ``RECENT_DAYS``, and the records of the registered sources (``compliance.sources``: an
    unexcused absence from a programme's session…), that none of the person's ``incidents``
    (recorded or dismissed) covers yet. One query: the no-shows and the sources' rows in one
    ``UNION ALL`` (``sources.ROW``)."""
    threshold = person.service.no_show_threshold
    handled_appointments = {i.appointment_id for i in incidents if i.appointment_id}
    handled_periods = {
        (i.obligation_id, i.missed_period_start) for i in incidents if i.missed_period_start
    }
    handled = {
        source.param: {
            getattr(i, f"{source.field}_id")
            for i in incidents
            if getattr(i, f"{source.field}_id") is not None
        }
        for source in sources.registered()
    }
    result = []
    no_shows = (
        Appointment.objects.filter(person=person, status=Appointment.Status.NO_SHOW)
        .order_by()
        .annotate(
            **sources.row_values(tag="", at="starts_at", measure_ref="measure_id", text="kind")
        )
        .values_list(*sources.ROW)
    )
    rows = no_shows.union(*(s.rows(person) for s in sources.registered()), all=True)
    kinds = dict(Appointment.Kind.choices)
    seen: dict[int | None, int] = defaultdict(int)
    for row in sorted(rows, key=lambda r: (r[2], r[0], r[1])):
        tag, pk, at, measure_id, text = row[:5]
        if tag:
            if pk not in handled[tag]:
                proposal = sources.by_param()[tag].from_row(row)
                if proposal is not None:
                    result.append(proposal)
            continue
        seen[measure_id] += 1
        if measure_id is None or seen[measure_id] < threshold:
            continue
        if pk in handled_appointments:
            continue
        local = agenda_rules.paris(at)
        result.append(
            Proposal(
                kind=Incident.Kind.MISSED_APPOINTMENT,
                occurred_on=local.date(),
                label=f"{seen[measure_id]}e absence non excusée "
                f"({kinds.get(text, text).lower()} du {local:%d/%m/%Y à %H:%M})",
                measure_id=measure_id,
                appointment_id=pk,
            )
        )
    recent = today - timedelta(days=RECENT_DAYS)
    for item in compliance:
        for state in item.states:
            if state.status is not rules.Status.MISSING or state.slot.due < recent:
                continue
            if (item.obligation.pk, state.slot.key) in handled_periods:
                continue
            result.append(
                Proposal(
                    kind=Incident.Kind.MISSING_PROOF,
                    occurred_on=state.slot.due + timedelta(days=1),
                    label=f"Justificatif manquant : {item.obligation.obligation_type.label} "
                    f"({state.slot.label}, attendu le {state.slot.due:%d/%m/%Y})",
                    measure_id=item.obligation.measure_id,
                    obligation_id=item.obligation.pk,
                    missed_period_start=state.slot.key,
                )
            )
    result.sort(key=lambda p: p.occurred_on, reverse=True)
    return result


def incidents_of(person) -> QuerySet[Incident]:
    return (
        Incident.objects.filter(person=person)
        .select_related("measure__measure_type", "obligation__obligation_type", "recorded_by")
        .order_by("-occurred_on", "-pk")
    )


# --- One record of the person's, for the forms. ---


def scheduled_obligation_get(person, obligation_id: int) -> Obligation | None:
    """One of the person's obligations that asks for proofs on a schedule (None otherwise)."""
    return (
        Obligation.objects.filter(
            pk=obligation_id, measure__person=person, proof_frequency__in=rules.SCHEDULED
        )
        .select_related("obligation_type", "measure__measure_type")
        .first()
    )


def proof_get(person, proof_id: int) -> Proof | None:
    return (
        Proof.objects.filter(pk=proof_id, person=person)
        .select_related("obligation__obligation_type")
        .first()
    )


def proof_examined_get(person, proof_id: int) -> Proof | None:
    """One of the person's proofs with what its examination page shows (one query)."""
    return (
        Proof.objects.filter(pk=proof_id, person=person)
        .select_related(
            "obligation__obligation_type",
            "obligation__measure__measure_type",
            "registered_by",
            "reviewed_by",
        )
        .first()
    )


def proofs_to_review(person) -> list[int]:
    """The ids of the person's proofs waiting to be examined, obligation by obligation, the
    oldest period first: the examination page leads from one to the next."""
    return list(
        Proof.objects.filter(person=person, status=Proof.Status.RECEIVED)
        .order_by("obligation_id", "period_start", "received_on", "pk")
        .values_list("pk", flat=True)
    )


def no_show_get(person, appointment_id: int | str) -> Appointment | None:
    """One of the person's appointments recorded as a no-show (None otherwise)."""
    return (
        Appointment.objects.filter(
            pk=appointment_id, person=person, status=Appointment.Status.NO_SHOW
        )
        .select_related("measure__measure_type")
        .first()
    )


def obligation_of(person, obligation_id: int | str) -> Obligation | None:
    return (
        Obligation.objects.filter(pk=obligation_id, measure__person=person)
        .select_related("obligation_type")
        .first()
    )


def obligations_of(person) -> list[Obligation]:
    """Every obligation of the person, ended ones too (one query)."""
    return list(
        Obligation.objects.filter(measure__person=person)
        .select_related("obligation_type", "measure__measure_type")
        .order_by("status", "obligation_type__sort_order", "pk")
    )
