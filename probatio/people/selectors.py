"""Reads of persons, always scoped to the membership the user works in.

``person_get_for`` is the access gate of a dossier: every view that touches a person goes
through it (another service's person, or a person outside a judge's files, is a 404; an action
the role may not do on this person is a 403).
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from probatio.access.policy import (
    IMPLIED,
    Action,
    PersonFacts,
    Scope,
    allows,
    scope_for,
    sees_person,
)
from probatio.accounts.models import Membership, User
from probatio.audit import reads as audit_reads
from probatio.audit import services as audit
from probatio.audit.models import AuditEntry
from probatio.core.dates import on_day
from probatio.core.gates import NotFound
from probatio.people import rules, search
from probatio.people.models import (
    Address,
    CourtFileNumber,
    CustodyRecord,
    MergedFile,
    Person,
    SituationEntry,
    TimelineEvent,
)


def _with_facts(queryset: QuerySet, membership: Membership) -> QuerySet:
    user_id = membership.user_id
    return queryset.annotate(
        is_support=Exists(
            Person.support_staff.through.objects.filter(person_id=OuterRef("pk"), user_id=user_id)
        ),
        is_judge_file=Exists(
            Person.objects.filter(pk=OuterRef("pk"), measures__assigning_judge_id=user_id)
        ),
        in_custody=Exists(
            CustodyRecord.objects.filter(person_id=OuterRef("pk"), release_date__isnull=True)
        ),
    )


def facts_of(person: Person, membership: Membership) -> PersonFacts:
    return PersonFacts(
        is_caseload=person.assigned_cpip_id == membership.user_id
        or bool(getattr(person, "is_support", False)),
        is_judge_file=bool(getattr(person, "is_judge_file", False)),
    )


@dataclass
class Gated:
    """A person with what the current user may do on them: what the gate hands to templates
    (``gated.can``) and to services, which start with ``require`` (the write is done by
    ``membership``, a membership or the system actor, on this person)."""

    person: Person
    facts: PersonFacts
    role: str
    membership: Any = None
    under: Action | None = None  # the transition it acts under (``acting_under``)

    def allows(self, action: Action | str) -> bool:
        return allows(self.role, Action(action), self.facts)

    @property
    def can(self) -> "_Can":
        """For templates: ``{% if gated.can.edit_identity %}``."""
        return _Can(self)


class _Can:
    def __init__(self, gated: Gated):
        self._gated = gated

    def __getitem__(self, action: str) -> bool:
        return self._gated.allows(action)

    def __getattr__(self, action: str) -> bool:
        if action.startswith("_"):
            raise AttributeError(action)
        return self._gated.allows(action)


def person_get_for(
    membership: Membership | None,
    pk: int,
    *,
    action: Action = Action.READ_FILE,
    log_read: str | None = None,
) -> Gated:
    """The dossier gate. ``log_read`` names the tab or fragment read, which is journaled."""
    if membership is None:
        raise Http404("Aucun service choisi.")
    persons = Person.objects.filter(service_id=membership.service_id, pk=pk)
    system = getattr(membership, "is_system", False)
    if not system:
        persons = _with_facts(persons, membership)
    person = persons.select_related("assigned_cpip", "service").first()
    if person is None:
        _follow_merge(membership, pk)
        raise NotFound("Personne introuvable.", object_type="people.person", object_id=pk)
    # The system actor has no caseload: it acts on the whole service, as its table allows.
    facts = PersonFacts() if system else facts_of(person, membership)
    if not sees_person(membership.role, facts):
        raise NotFound("Personne introuvable.", object_type="people.person", object_id=pk)
    if not allows(membership.role, action, facts):
        raise PermissionDenied("Votre rôle ne permet pas cette action sur ce dossier.")
    if log_read:
        log_person_read(membership, person, log_read)
    return Gated(person=person, facts=facts, role=membership.role, membership=membership)


class FileMerged(Http404):
    """The file asked for was merged into ``kept_id`` (same service): a 404 for whoever does
    not catch it; ``people.middleware.MergedFileMiddleware`` turns it into a redirection."""

    def __init__(self, absorbed_id: int, kept_id: int):
        super().__init__("Ce dossier a été fusionné dans un autre dossier.")
        self.absorbed_id, self.kept_id = absorbed_id, kept_id


def _follow_merge(membership, pk) -> None:
    """A file absorbed by a merge in the membership's service leads to the kept one (another
    service's user still gets the 404: the redirection names no file of theirs)."""
    kept_id = (
        MergedFile.objects.filter(absorbed_id=pk, kept__service_id=membership.service_id)
        .values_list("kept_id", flat=True)
        .first()
    )
    if kept_id is not None:
        raise FileMerged(int(pk), kept_id)


def person_get_for_addressee(membership: Membership, pk: int) -> Gated:
    """The person of a report addressed to the judge of ``membership``, the file having left
    the judge's service by a transfer while the report was with them (``reports.selectors``
    decides which reports; docs/allocation.md, « Transfers between services »): the judge's
    own facts on that person, whatever service follows them now. Only the report gate calls
    it; nothing is journaled here (the report gate journals its reads)."""
    person = (
        _with_facts(Person.objects.filter(pk=pk), membership)
        .select_related("assigned_cpip", "service")
        .first()
    )
    if person is None:
        raise Http404("Personne introuvable.")
    facts = facts_of(person, membership)
    if not sees_person(membership.role, facts):
        raise Http404("Personne introuvable.")
    return Gated(person=person, facts=facts, role=membership.role, membership=membership)


UNGATED = "Accès refusé : ce dossier n'a pas été ouvert par le contrôle d'accès."


def acting_under(gated: Gated, action: Action, refusal: str = "") -> Gated:
    """A transition checked for ``action`` (a judge's answer) does on the file what the policy
    says it entails (``access.policy.IMPLIED``), whoever records it: the gated person it
    hands to the services it composes."""
    require(gated, action, refusal)
    return replace(gated, under=action)


def gate(
    gated: Gated, action: Action | tuple[Action, ...], refusal: str = ""
) -> tuple[Any, Person]:
    """``require``, then the acting membership (or system actor) and the person."""
    gated = require(gated, action, refusal)
    return gated.membership, gated.person


def same_actor(gated: Gated, membership) -> Gated:
    """A service given both the membership and the gated person: they must be the same actor
    (a person gated for someone else is refused)."""
    require_gated(gated)
    actor = gated.membership
    if (actor.user_id, actor.service_id, actor.role) != (
        membership.user_id,
        membership.service_id,
        membership.role,
    ):
        raise PermissionDenied(UNGATED)
    return gated


def require_gated(gated) -> Gated:
    """A person that came through the gate (a raw ``Person`` is refused)."""
    if not isinstance(gated, Gated) or gated.membership is None:
        raise PermissionDenied(UNGATED)
    return gated


def own(person: Person, person_id: int | None) -> None:
    """The object a service is given belongs to the gated person's file (else refused)."""
    if person_id != person.pk:
        raise PermissionDenied("Cet élément n'appartient pas à ce dossier.")


def require(gated: Gated, action: Action | tuple[Action, ...], refusal: str = "") -> Gated:
    """Where every person-scoped service starts: the person must come from the gate
    (``person_get_for``; a raw ``Person`` is refused, whoever calls: a view, a command, a task
    or an API), and the actor's role must allow ``action`` on them (``refusal``: the French
    reason, else a generic one)."""
    require_gated(gated)
    actions = action if isinstance(action, tuple) else (action,)
    implied = IMPLIED.get(gated.under, frozenset())
    if not any(gated.allows(one) or one in implied for one in actions):
        raise PermissionDenied(refusal or "Votre rôle ne permet pas cette action sur ce dossier.")
    return gated


def persons_gated_for(
    membership, persons, *, action: Action, with_facts: bool = False
) -> dict[int, Gated]:
    """The gate for work over many persons at once (a file import): each person must be of the
    membership's service (else 404) and the role must do ``action`` on each (else 403). Where
    the role acts on the whole service, no query; otherwise the facts of all the persons in
    one query. ``with_facts``: the facts even then, for a page that asks other actions of each
    person (a group session's attendance)."""
    persons = list(persons)
    if any(person.service_id != membership.service_id for person in persons):
        raise Http404("Personne introuvable.")
    if not persons:
        return {}
    if scope_for(membership.role, action) is Scope.SERVICE and not with_facts:
        facts = dict.fromkeys((p.pk for p in persons), PersonFacts())
    else:
        annotated = _with_facts(Person.objects.filter(pk__in=[p.pk for p in persons]), membership)
        facts = {person.pk: facts_of(person, membership) for person in annotated}
    gated = {}
    for person in persons:
        one = Gated(person=person, facts=facts[person.pk], role=membership.role)
        one.membership = membership
        gated[person.pk] = require(one, action)
    return gated


def log_person_read(
    membership: Membership, person: Person, what: str, *, document: Model | None = None
) -> None:
    """Journal a read of the file of ``person`` (already gated): ``what`` names the tab or
    fragment read; ``document``, the record shown or downloaded (a report, a proof, an
    attestation's order…), named by the entry's object (type and id) instead of the file.

    Inside a request the entry is held until the page is shown (``audit.reads``): a read
    followed by a 404 or a refusal is not journaled as a read."""
    audit_reads.record_reads(
        service_id=membership.service_id,
        entries=[file_read_entry(membership, person, what, document=document)],
    )


def file_read_entry(
    membership, person: Person, what: str, *, document: Model | None = None, **context
) -> dict:
    """The journal entry of a read of ``person``'s file (``audit.record``'s fields): ``what``
    names the tab, fragment or page read; ``context`` adds to it. For the pages that journal
    several files at once (``audit.reads.record_reads``); ``document``: see
    ``log_person_read``."""
    if document is not None:
        context["document"] = f"{document._meta.label_lower}:{document.pk}"
    return {
        "actor": audit.actor_of(membership),
        "action": audit.Action.READ,
        "role": membership.role,
        "instance": person if document is None else document,
        "person_id": person.pk,
        "summary": f"Consultation du dossier ({what})",
        "context": {"tab": what, **context},
    }


def scope_q(scope: Scope | None, user_id: int, person_ref: str = "pk") -> Q | None:
    """The persons of a scope, as a condition on a query whose ``person_ref`` is the person's
    id (``"pk"`` on persons, ``"person_id"`` on their records); None: no person at all. The
    service itself is filtered by the caller."""
    if scope is None:
        return None
    if scope is Scope.SERVICE:
        return Q()
    if scope is Scope.CASELOAD:
        return Q(
            Exists(Person.objects.filter(pk=OuterRef(person_ref), assigned_cpip_id=user_id))
        ) | Q(
            Exists(
                Person.support_staff.through.objects.filter(
                    person_id=OuterRef(person_ref), user_id=user_id
                )
            )
        )
    if scope is Scope.JUDGE_FILES:
        return Q(
            Exists(
                Person.objects.filter(pk=OuterRef(person_ref), measures__assigning_judge_id=user_id)
            )
        )
    raise ValueError(f"no person condition for the scope {scope}")


# The CPIP filter's value for the files without a CPIP (``?cpip=none``, wherever a list
# filters by CPIP).
UNASSIGNED = "none"
# The lists' « Dossiers » filter: the files followed (the default of the lists), the closed ones.
FOLLOWED = "followed"
CLOSED = "closed"


def followed_by(user_id: int) -> Q:
    """The files ``user_id`` holds as CPIP or follows beside their CPIP: a union of two indexed
    lookups (an OR with a subquery read every file of the service, closed ones included)."""
    return Q(
        pk__in=Person.objects.filter(assigned_cpip_id=user_id)
        .order_by()
        .values("pk")
        .union(
            Person.support_staff.through.objects.filter(user_id=user_id)
            .order_by()
            .values("person_id")
        )
    )


def person_list_for(
    membership: Membership,
    *,
    query: str = "",
    caseload_only: bool = False,
    cpip_id: int | str | None = None,
    received_since: date | None = None,
    measure_type: str = "",
    measure_status: str = "",
    setting: str = "",
    files: str = "",
    near: bool = False,
) -> QuerySet[Person]:
    """Persons the membership may list, filtered. Accent- and case-insensitive name search:
    every word of ``query`` in the names, anywhere (« dup » finds « Dupont »); with ``near``
    (PostgreSQL only: ``search.near_spellings_supported``), names spelt close to the query's
    instead, closest first (docs/search.md). ``cpip_id``: one CPIP's files, or ``UNASSIGNED``;
    ``received_since``: files given to their CPIP since that day; ``files``: ``FOLLOWED``
    or ``CLOSED`` files only (``Person.is_followed``), every file by default (the scope of
    what the membership may read)."""
    scope = scope_for(membership.role, Action.LIST_PERSONS)
    if scope is None:
        return Person.objects.none()
    qs = Person.objects.filter(service_id=membership.service_id)
    if scope is Scope.JUDGE_FILES:
        qs = qs.filter(
            Exists(
                Person.objects.filter(
                    pk=OuterRef("pk"), measures__assigning_judge_id=membership.user_id
                )
            )
        )
    if caseload_only:
        qs = qs.filter(followed_by(membership.user_id))
    if files in (FOLLOWED, CLOSED):
        qs = qs.filter(is_followed=files == FOLLOWED)
    if cpip_id == UNASSIGNED:
        qs = qs.filter(assigned_cpip__isnull=True)
    elif cpip_id:
        qs = qs.filter(assigned_cpip_id=cpip_id)
    if received_since is not None:
        qs = qs.filter(assigned_at__date__gte=received_since)
    qs = search.with_near_words(qs, query) if near else search.with_words(qs, query)
    measure_filter = Q()
    if measure_type:
        measure_filter &= Q(measures__measure_type_id=measure_type)
    if measure_status:
        measure_filter &= Q(measures__status=measure_status)
    if measure_filter:
        qs = qs.filter(Exists(Person.objects.filter(measure_filter, pk=OuterRef("pk"))))
    in_custody = Exists(
        CustodyRecord.objects.filter(person_id=OuterRef("pk"), release_date__isnull=True)
    )
    if setting == "custody":
        qs = qs.filter(in_custody)
    elif setting == "community":
        qs = qs.exclude(in_custody)
    if near:
        order = ("-near_score", "surname", "first_names", "pk")
    elif search.words_of(query):
        order = search.found_order()
    else:
        order = ("surname", "first_names", "pk")
    return qs.annotate(in_custody=in_custody).select_related("assigned_cpip").order_by(*order)


@dataclass(frozen=True)
class PossibleDuplicate:
    """A person of the service who may be the one being entered, and why (French reasons)."""

    person: Person
    reasons: list[str]


DUPLICATES_SHOWN = 10


def possible_duplicates(
    membership: Membership, identity: dict[str, Any], *, exclude_pk: int | None = None
) -> list[PossibleDuplicate]:
    """The persons of the membership's service — never another's — that ``identity`` (the
    identity form's values) may duplicate, with the reasons (``people.rules``). One query on
    the stored keys, whatever the size of the service: same birth date with a name, or same
    phone, or same e-mail; the reasons are then worked out on the few rows found."""
    keys = rules.keys_of_identity(identity)
    # Each branch names the service, so that each may use its own index (service and birth
    # date, phone or e-mail) rather than read every person of the service.
    service = Q(service_id=membership.service_id)
    match = Q()
    if keys.birth_date is not None and (keys.surnames or keys.first_names):
        names = Q()
        if keys.surnames:
            names |= Q(surname_key__in=keys.surnames) | Q(birth_surname_key__in=keys.surnames)
        if keys.first_names:
            names |= Q(first_names_key=keys.first_names)
        match |= service & Q(birth_date=keys.birth_date) & names
    if keys.phone:
        match |= service & Q(phone=keys.phone)
    if keys.email:
        match |= service & Q(email_key=keys.email)
    if not match:
        return []
    candidates = (
        Person.objects.filter(match)
        .exclude(pk=exclude_pk)
        .select_related("assigned_cpip")
        .order_by("surname", "first_names", "pk")[:DUPLICATES_SHOWN]
    )
    found = []
    for person in candidates:
        stored = rules.IdentityKeys(
            surname=person.surname_key,
            birth_surname=person.birth_surname_key,
            first_names=person.first_names_key,
            birth_date=person.birth_date,
            phone=rules.phone_key(person.phone),
            email=person.email_key,
        )
        reasons = rules.duplicate_reasons(keys, stored)
        if reasons:
            found.append(PossibleDuplicate(person=person, reasons=reasons))
    return found


def current_situation(person: Person) -> dict[str, SituationEntry]:
    """The latest entry of each domain (one query)."""
    current: dict[str, SituationEntry] = {}
    for entry in person.situation_entries.select_related("recorded_by").order_by(
        "domain", "-effective_date", "-id"
    ):
        current.setdefault(entry.domain, entry)
    return current


def timeline_for(person: Person) -> QuerySet[TimelineEvent]:
    return person.timeline_events.select_related("actor").order_by("-occurred_at", "-id")


# --- The dossier's pages -----------------------------------------------------------------------


def custody_records_of(person: Person) -> list[CustodyRecord]:
    """The person's committals with their establishment: read once, then kept on the person
    (every tab's header shows the open one; the identity tab lists them all)."""
    if not hasattr(person, "_custody_cache"):
        person._custody_cache = list(
            CustodyRecord.objects.filter(person=person).select_related("establishment")
        )
    return person._custody_cache


def addresses_of(person: Person) -> list[Address]:
    return list(person.addresses.all())


def court_numbers_of(person: Person) -> list[CourtFileNumber]:
    return list(person.court_numbers.all())


def situation_history(person: Person, current: dict[str, SituationEntry]) -> list[SituationEntry]:
    """The entries no longer current (``current``: from ``current_situation``), latest first."""
    return sorted(
        (e for e in person.situation_entries.all() if current.get(e.domain) != e),
        key=lambda e: e.effective_date,
        reverse=True,
    )


def support_staff_of(person: Person) -> list[User]:
    """The other professionals who follow the person."""
    return list(person.support_staff.all())


def support_staff_ids(person: Person) -> list[int]:
    return list(person.support_staff.values_list("pk", flat=True))


def access_log_of(
    person: Person,
    service_id: int,
    *,
    actor_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[AuditEntry]:
    """The journal of the person's file in the service, latest first (to be paginated);
    ``actor_id``: one user's entries only; ``start``, ``end``: the days (inclusive, Paris
    time) the entries fall in."""
    entries = AuditEntry.objects.filter(person_id=person.pk, service_id=service_id)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if start is not None:
        entries = entries.filter(at__gte=on_day(start, hour=0))
    if end is not None:
        entries = entries.filter(at__lt=on_day(end + timedelta(days=1), hour=0))
    return entries.order_by("-at", "-id")


def access_log_actors(person: Person, service_id: int) -> list[User]:
    """The users who appear in the journal of the person's file, by name (one query): the
    choices of the access log's filter."""
    return list(
        User.objects.filter(
            pk__in=AuditEntry.objects.filter(
                person_id=person.pk, service_id=service_id, actor_id__isnull=False
            ).values("actor_id")
        ).order_by("last_name", "first_name", "pk")
    )


def user_names(ids) -> dict[int, str]:
    """``{id: full name}`` of users (one query; none for no id): the staff a journal entry
    refers to by id."""
    if not ids:
        return {}
    return {
        user.pk: user.get_full_name() or user.username for user in User.objects.filter(pk__in=ids)
    }


def staff_of_role(service_id: int, role: str) -> QuerySet[User]:
    """The users active in the service with ``role`` (``"cpip"``, ``"judge"``…), by name."""
    return User.objects.filter(
        memberships__service_id=service_id, memberships__role=role, memberships__is_active=True
    ).order_by("last_name", "first_name")


def staff_of_role_get(service_id: int, role: str, pk) -> User | None:
    """One of ``staff_of_role``; None when ``pk`` is not one of them."""
    return staff_of_role(service_id, role).filter(pk=pk).first()


def support_staff_choices(service_id: int, roles) -> list[User]:
    """The users active in the service with one of ``roles`` (the support staff a person may
    be given), by name, each with the ``role_label`` of that membership (one query)."""
    users = []
    for membership in (
        Membership.objects.filter(service_id=service_id, role__in=roles, is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    ):
        membership.user.role_label = membership.role_label
        users.append(membership.user)
    return users
