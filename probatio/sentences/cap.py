"""The CAP (commission d'application des peines): scheduling a session, and its list.

The list of a session holds every person with an open committal at the session's establishment
(and followed by its service) with something to examine between the session date and the end
of its horizon (``rules.cap_items``), with the CPIP in charge and the state of the SPIP's
opinion. It is read in a fixed number of queries whatever the number of persons: the stored
dates (one query, ``selectors.stored_dates``), the persons with their CPIP (one), their opinion
reports (one).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from probatio.access.policy import Action, PersonFacts, Scope, allows, scope_for
from probatio.access.roles import Role
from probatio.accounts.models import User
from probatio.audit import services as audit
from probatio.core.dates import add_months, format_fr
from probatio.core.errors import field_errors
from probatio.organisation.models import Establishment
from probatio.people.models import Person
from probatio.people.selectors import Gated
from probatio.reports import rules as report_rules
from probatio.reports.models import Report
from probatio.reports.selectors import may_read
from probatio.sentences import rules
from probatio.sentences.models import CapSession, PenalSituation
from probatio.sentences.selectors import stored_dates

# The opinion counted for a session: the latest opinion report created at most this many
# months before the session date.
OPINION_MONTHS = 6
HORIZON_MIN, HORIZON_MAX = 1, 12

# The DSFR badge of each opinion state.
OPINION_BADGES = {
    rules.OPINION_NOT_STARTED: "fr-badge--error",
    rules.OPINION_DRAFT: "fr-badge--warning",
    rules.OPINION_VISA: "fr-badge--info",
    rules.OPINION_TRANSMITTED: "fr-badge--success",
}


@dataclass
class CapRow:
    person: Person
    committal_number: str
    items: list[rules.CapItem]
    opinion: str  # rules.OPINION_* code
    report: Report | None = None  # the opinion report counted, if any
    may_open_report: bool = False  # the reader may open it
    # For the judge who chairs the session: the opinion transmitted to them (its content is
    # shown with the list), if any.
    transmitted_opinion: Report | None = None

    @property
    def cpip(self):
        return self.person.assigned_cpip

    @property
    def opinion_label(self) -> str:
        return rules.OPINION_LABELS[self.opinion]

    @property
    def badge(self) -> str:
        return OPINION_BADGES[self.opinion]

    @property
    def report_status_label(self) -> str:
        return report_rules.STATUS_LABELS.get(self.report.status, "") if self.report else ""

    @property
    def is_transmitted(self) -> bool:
        return self.opinion == rules.OPINION_TRANSMITTED


@dataclass
class CapList:
    session: CapSession
    horizon_end: date
    rows: list[CapRow] = field(default_factory=list)

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        """(state code, label, number of persons) for every opinion state, in workflow order."""
        found = Counter(row.opinion for row in self.rows)
        return [(code, label, found[code]) for code, label in rules.OPINION_LABELS.items()]


def horizon_end(session: CapSession) -> date:
    return add_months(session.date, session.horizon_months)


def _situations(establishment_ids, service_id: int):
    return PenalSituation.objects.filter(
        custody__establishment_id__in=establishment_ids,
        custody__person__service_id=service_id,
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def opinion_reports(person_ids: list[int], session_date: date) -> dict[int, Report]:
    """Each person's latest opinion report created in the ``OPINION_MONTHS`` before the session
    date (that day included), in one query. A version superseded by a correction made by then
    is ignored: its correction is the opinion."""
    since = _day_start(add_months(session_date, -OPINION_MONTHS))
    until = _day_start(session_date + timedelta(days=1))
    reports = (
        Report.objects.filter(
            person_id__in=person_ids,
            kind=report_rules.OPINION,
            created_at__gte=since,
            created_at__lt=until,
        )
        .filter(Q(correction__isnull=True) | Q(correction__created_at__gte=until))
        .only("pk", "person_id", "status", "author_id", "judge_id", "version", "created_at")
        .order_by("person_id", "-created_at", "-pk")
    )
    latest: dict[int, Report] = {}
    for report in reports:
        latest.setdefault(report.person_id, report)
    return latest


def cap_list(session: CapSession, *, membership=None) -> CapList:
    """The persons the session must examine, by name. With ``membership`` (the reader), each
    row says whether the reader may open the opinion report (the reports' own rules)."""
    establishment = session.establishment
    end = horizon_end(session)
    found: dict[int, tuple[str, list[rules.CapItem]]] = {}
    for row in stored_dates(_situations([establishment.pk], establishment.service_id)):
        items = rules.cap_items(row, session=session.date, horizon_end=end)
        if items:
            found[row["custody__person_id"]] = (row["custody__committal_number"], items)
    result = CapList(session=session, horizon_end=end)
    if not found:
        return result
    chair = membership is not None and scope_for(membership.role, Action.READ_CAP) is Scope.CHAIRED
    persons = Person.objects.filter(
        pk__in=list(found), service_id=establishment.service_id
    ).select_related("assigned_cpip")
    reports = opinion_reports(list(found), session.date)
    transmitted = {}
    if chair:
        # The opinions transmitted to the judge who chairs: read in full (one query).
        transmitted = {
            r.person_id: r
            for r in Report.objects.filter(
                pk__in=[r.pk for r in reports.values()],
                judge_id=membership.user_id,
                status__in=report_rules.FROZEN,
            ).select_related("author", "approved_by")
        }
    for person in persons:  # ordered by name
        committal_number, items = found[person.pk]
        report = reports.get(person.pk)
        report_status = report.status if report else None
        may_open = bool(
            report is not None
            and membership is not None
            and may_read(
                report,
                Gated(person=person, facts=PersonFacts(), role=membership.role),
                membership.user_id,
            )
        )
        result.rows.append(
            CapRow(
                person=person,
                committal_number=committal_number,
                items=items,
                opinion=rules.opinion_state(report_status),
                report=report,
                may_open_report=may_open and not chair,
                transmitted_opinion=transmitted.get(person.pk),
            )
        )
    return result


def persons_to_examine(sessions: list[CapSession], service_id: int) -> dict[int, int]:
    """How many persons each session must examine today ({session pk: count}), in one query
    whatever the number of sessions and persons (no names: for the index page)."""
    if not sessions:
        return {}
    by_establishment: dict[int, list[dict]] = {}
    rows = stored_dates(_situations({s.establishment_id for s in sessions}, service_id))
    for row in rows:
        by_establishment.setdefault(row["custody__establishment_id"], []).append(row)
    counts = {}
    for session in sessions:
        end = horizon_end(session)
        counts[session.pk] = sum(
            1
            for row in by_establishment.get(session.establishment_id, [])
            if rules.cap_items(row, session=session.date, horizon_end=end)
        )
    return counts


def sessions_of(membership):
    """The sessions a membership may read: every session of the service's establishments, or,
    for a judge, those they chair (``Scope.CHAIRED``)."""
    sessions = CapSession.objects.filter(establishment__service_id=membership.service_id)
    if scope_for(membership.role, Action.READ_CAP) is Scope.CHAIRED:
        sessions = sessions.filter(judge_id=membership.user_id)
    return sessions


def session_get_for(membership, pk: int) -> CapSession | None:
    """A session the membership may read (None otherwise: 404, as for a session that does not
    exist: a judge does not see the sessions chaired by others)."""
    session = (
        sessions_of(membership)
        .filter(pk=pk)
        .select_related("establishment__service", "created_by", "judge")
        .first()
    )
    if session is None:
        return None
    facts = PersonFacts(is_chair=session.judge_id == membership.user_id)
    return session if allows(membership.role, Action.READ_CAP, facts) else None


def recent_sessions_of(membership, *, since: date) -> list[CapSession]:
    """The sessions the membership may read from ``since`` on, by date, with their chair."""
    return list(
        sessions_of(membership)
        .filter(date__gte=since)
        .select_related("judge")
        .order_by("date", "pk")
    )


def establishments_of(membership) -> list[Establishment]:
    return list(Establishment.objects.filter(service_id=membership.service_id).order_by("name"))


def establishment_choices(service_id: int) -> QuerySet[Establishment]:
    """The establishments a session may be scheduled at, by name (the form's choices)."""
    return Establishment.objects.filter(service_id=service_id).order_by("name")


def has_establishments(service_id: int) -> bool:
    return Establishment.objects.filter(service_id=service_id).exists()


def judge_choices(service_id: int) -> QuerySet[User]:
    """The service's judges with an active membership, who may chair a session."""
    return User.objects.filter(
        memberships__service_id=service_id,
        memberships__role=Role.JUDGE,
        memberships__is_active=True,
    ).order_by("last_name", "first_name")


def journal_list_read(
    membership, session: CapSession, what: str, data: CapList, *, document: bool = False
) -> None:
    """The list read (its filters), and a read of each file whose transmitted opinion the chair
    reads with it: one write to the journal, in its own transaction (a list page writes
    nothing else). ``document``: the list was downloaded (its PDF), named in ``context``."""
    entries = [
        {
            "actor": membership.user,
            "action": audit.Action.LIST,
            "role": membership.role,
            "object_type": "people.person",
            "summary": f"Liste : CAP du {session.date:%d/%m/%Y} "
            f"({session.establishment.name}){what}",
            "context": {
                "page": "cap",
                "session": session.pk,
                "filters": {
                    "establishment": session.establishment_id,
                    "date": session.date.isoformat(),
                    "horizon_months": session.horizon_months,
                },
                "persons": len(data.rows),
                **({"document": f"sentences.capsession:{session.pk}"} if document else {}),
            },
        }
    ]
    entries += [
        {
            "actor": membership.user,
            "action": audit.Action.READ,
            "role": membership.role,
            "instance": row.person,
            "person_id": row.person.pk,
            "summary": f"Consultation du dossier (avis transmis, CAP du {session.date:%d/%m/%Y})",
            "context": {"tab": "cap", "session": session.pk, "report": row.transmitted_opinion.pk},
        }
        for row in data.rows
        if row.transmitted_opinion is not None
    ]
    with transaction.atomic(savepoint=False):
        audit.record_many(service_id=membership.service_id, entries=entries)


@transaction.atomic
def cap_session_create(*, membership, data: dict) -> CapSession:
    """Schedule a CAP session at one of the service's establishments. A past date is allowed
    (a session recorded afterwards); two sessions on the same day at one establishment are not."""
    establishment = data.get("establishment")
    if establishment is None or establishment.service_id != membership.service_id:
        raise field_errors(establishment="Choisissez un établissement de votre service.")
    day = data.get("date")
    if day is None:
        raise field_errors(date="Indiquez la date de la séance.")
    horizon = data.get("horizon_months")
    if horizon is None or not HORIZON_MIN <= horizon <= HORIZON_MAX:
        raise field_errors(
            horizon_months=f"L'horizon examiné est compris entre {HORIZON_MIN} et "
            f"{HORIZON_MAX} mois après la séance."
        )
    judge = data.get("judge")
    if (
        judge is not None
        and not judge.memberships.filter(
            service_id=membership.service_id, role=Role.JUDGE, is_active=True
        ).exists()
    ):
        raise field_errors(judge="Choisissez un juge de l'application des peines du service.")
    duplicate = (
        f"Une séance de CAP est déjà programmée le {format_fr(day)} pour {establishment} : "
        "ouvrez-la depuis la page Détention et CAP, ou choisissez une autre date."
    )
    if CapSession.objects.filter(establishment=establishment, date=day).exists():
        raise field_errors(date=duplicate)
    session = CapSession(
        establishment=establishment,
        date=day,
        horizon_months=horizon,
        notes=(data.get("notes") or "").strip(),
        judge=judge,
        created_by=membership.user,
    )
    session.full_clean()
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError:  # the same session scheduled at the same moment by someone else
        raise field_errors(date=duplicate) from None
    audit.record_by(
        membership,
        audit.Action.CREATE,
        session,
        person_id=None,
        summary=f"Séance de CAP programmée le {format_fr(day)} ({establishment.name})",
        changes={
            "establishment": [None, establishment.pk],
            "date": [None, day],
            "horizon_months": [None, horizon],
            "notes": [None, session.notes],
            "judge": [None, judge.pk if judge else None],
        },
    )
    return session
