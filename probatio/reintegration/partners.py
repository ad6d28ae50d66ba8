"""The partner directory of a service: who may manage it, the search, the writes, and the
figures of one partner.

Partners belong to one service and are shared by all its staff (``Action.READ_PARTNERS``). The
directory is managed by the managers (``Action.MANAGE_PARTNERS``) and by the staff a manager
authorised (a ``PartnerEditor`` row, for the roles of ``EDITOR_ROLES``): ``may_manage_partners``
is the only place that decides it.

Areas served are postcodes, commune codes (INSEE) and départements, compared as text: the
machines are offline, so there is no geocoding. The matching functions at the top of this
module are pure (no database) and tested as rules.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from probatio.access.policy import Action, allows, may_be_partner_editor
from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.audit import services as audit
from probatio.core import phones
from probatio.core.dates import add_months, format_fr
from probatio.core.errors import field_errors
from probatio.core.text import fold
from probatio.people.journal import write as journal
from probatio.people.selectors import person_list_for
from probatio.reintegration import rules
from probatio.reintegration.models import (
    Partner,
    PartnerAgreement,
    PartnerContact,
    PartnerEditor,
    PartnerReferral,
    PartnerSite,
    ReferralStep,
)

# Roles a manager may authorise to manage the directory (docs/access.md).
EDITOR_ROLES = tuple(r for r in Role if may_be_partner_editor(r))

# Periods offered for a partner's figures, in months; the default one.
PERIODS = (3, 6, 12, 24, 36)
DEFAULT_PERIOD = 12

# --- Areas (pure) --------------------------------------------------------------------------------

_DEPARTMENT = re.compile(r"^(0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5]|2A|2B|97[1-6])$")
_FIVE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
AREA_HELP = (
    "Codes postaux (80000), codes commune INSEE (80021) ou départements (80, 2A, 974), "
    "séparés par des virgules ou des espaces."
)


def department_of(code: str) -> str:
    """The département of a postcode, a commune code or a département code: the first two
    characters, three overseas (97x), and 2A / 2B in Corsica (postcodes 200xx-201xx are in
    Corse-du-Sud, the others in Haute-Corse)."""
    code = (code or "").strip().upper()
    if code.startswith("97") and len(code) >= 3:
        return code[:3]
    if code.startswith(("2A", "2B")):
        return code[:2]
    if len(code) == 5 and code.startswith("20"):
        return "2A" if code[2] in "01" else "2B"
    return code[:2]


def normalise_area(token: str) -> str | None:
    """A valid area code in its stored form (upper case), or None when it is not one."""
    token = (token or "").strip().upper()
    if _DEPARTMENT.match(token) or (_FIVE.match(token) and token[:2] not in ("00", "96")):
        return token
    return None


def parse_areas(text: str) -> list[str]:
    """The codes of an area field ("80000, 80021 80"), in order, without repeats. Raises a
    ValidationError (French) naming the codes not understood."""
    tokens = [t for t in re.split(r"[\s,;]+", text or "") if t]
    areas, wrong = [], []
    for token in tokens:
        code = normalise_area(token)
        if code is None:
            wrong.append(token)
        elif code not in areas:
            areas.append(code)
    if wrong:
        listed = ", ".join(f"« {w} »" for w in wrong)
        raise ValidationError(
            f"Code{'s' if len(wrong) > 1 else ''} non reconnu{'s' if len(wrong) > 1 else ''} : "
            f"{listed}. {AREA_HELP}"
        )
    return areas


def serves(areas: list[str], site_postcode: str, wanted: str) -> bool:
    """Does a site (its areas, and its own postcode) serve the place ``wanted``?

    A postcode or commune code is served by a site whose areas hold that code or its
    département; a département is served by a site whose areas hold it or any code in it."""
    wanted = normalise_area(wanted)
    if wanted is None:
        return False
    codes = [a.upper() for a in areas or []] + ([site_postcode] if site_postcode else [])
    if _DEPARTMENT.match(wanted):
        return any(department_of(code) == wanted for code in codes)
    return any(code in (wanted, department_of(wanted)) for code in codes)


def text_matches(search_text: str, query: str) -> bool:
    """Every word of the query (accents and case ignored) is in the partner's search text."""
    return all(word in search_text for word in fold(query).split())


def search_text_of(partner: Partner, sites: list[PartnerSite]) -> str:
    return fold(
        " ".join(
            [
                partner.name,
                partner.description,
                partner.services_offered,
                *(f"{s.name} {s.city}" for s in sites),
            ]
        )
    )[:1000]


# --- Gates -----------------------------------------------------------------------------------


def may_read_partners(membership: Membership | None) -> bool:
    return membership is not None and allows(membership.role, Action.READ_PARTNERS)


def may_manage_partners(membership: Membership | None) -> bool:
    """Managers, and the staff a manager of the service authorised."""
    if membership is None:
        return False
    if allows(membership.role, Action.MANAGE_PARTNERS):
        return True
    return (
        may_be_partner_editor(membership.role)
        and PartnerEditor.objects.filter(
            service_id=membership.service_id, user_id=membership.user_id
        ).exists()
    )


def directory_membership(membership: Membership | None, *, manage: bool = False) -> Membership:
    """The gate of every directory page: no service chosen is a 404; a role that may not read
    the directory (or manage it, with ``manage``) a 403."""
    if membership is None:
        raise Http404("Aucun service choisi.")
    if not may_read_partners(membership):
        raise PermissionDenied("L'annuaire des partenaires est réservé aux équipes du SPIP.")
    if manage and not may_manage_partners(membership):
        raise PermissionDenied(
            "La gestion de l'annuaire revient à l'encadrement et aux personnes qu'il a autorisées."
        )
    return membership


def partner_get_for(membership: Membership | None, pk: int, *, manage: bool = False) -> Partner:
    """A partner of the membership's service; another service's partner does not exist (404),
    whatever the role. With ``manage``, a reader who may not manage the directory gets 403."""
    membership = directory_membership(membership)
    partner = (
        Partner.objects.filter(service_id=membership.service_id, pk=pk)
        .select_related("created_by")
        .first()
    )
    if partner is None:
        raise Http404("Partenaire introuvable.")
    if manage:
        directory_membership(membership, manage=True)
    return partner


# --- Search ----------------------------------------------------------------------------------


def partner_search(
    membership: Membership,
    *,
    query: str = "",
    kind: str = "",
    pathway: str = "",
    area: str = "",
    include_inactive: bool = False,
) -> QuerySet[Partner]:
    """The service's partners matching every criterion given, by name. The kind and the words
    are compared in SQL; the services offered and the areas (JSON lists) in Python over the
    service's light rows, so the number of queries does not depend on the directory's size."""
    qs = Partner.objects.filter(service_id=membership.service_id)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    for word in fold(query).split():
        qs = qs.filter(search_text__contains=word)
    if pathway or area:
        rows = list(qs.values_list("pk", "pathways"))
        ids = [pk for pk, pathways in rows if not pathway or pathway in (pathways or [])]
        if area:
            served = {
                partner_id
                for partner_id, areas, postcode in PartnerSite.objects.filter(
                    partner_id__in=ids
                ).values_list("partner_id", "areas", "postcode")
                if serves(areas, postcode, area)
            }
            ids = [pk for pk in ids if pk in served]
        qs = Partner.objects.filter(pk__in=ids)
    return qs.order_by("name", "pk")


def duplicates_of(
    *, service_id: int, name: str, postcode: str, exclude_pk: int | None = None
) -> list[Partner]:
    """Partners of the service with the same name (accents, case and spaces ignored) and the
    same postcode."""
    wanted = fold(name)
    candidates = Partner.objects.filter(service_id=service_id, postcode=postcode.strip())
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    return [p for p in candidates if fold(p.name) == wanted]


def editors_of(membership: Membership) -> list[PartnerEditor]:
    return list(
        PartnerEditor.objects.filter(service_id=membership.service_id)
        .select_related("user", "granted_by")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def editor_candidates(membership: Membership) -> list[Membership]:
    """Active members of the service whose role may be authorised, not authorised yet."""
    authorised = PartnerEditor.objects.filter(
        service_id=membership.service_id, user_id=OuterRef("user_id")
    )
    return list(
        Membership.objects.filter(
            service_id=membership.service_id,
            is_active=True,
            user__is_active=True,
            role__in=EDITOR_ROLES,
        )
        .exclude(Exists(authorised))
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "role", "pk")
    )


# --- Figures of one partner ------------------------------------------------------------------


@dataclass
class Figures:
    since: date
    until: date
    months: int
    sent: int
    accepted: int
    completed: int


def period(today: date, months: int) -> tuple[date, date]:
    """The last ``months`` months up to today, both days included."""
    return add_months(today, -months) + timedelta(days=1), today


def _visible_referrals(partner: Partner, membership: Membership) -> QuerySet[PartnerReferral]:
    visible = person_list_for(membership).order_by().values("pk")
    return PartnerReferral.objects.filter(partner=partner, person_id__in=visible)


def partner_figures(
    partner: Partner, membership: Membership, *, today: date, months: int = DEFAULT_PERIOD
) -> Figures:
    """Of the referrals to the partner made in the period (persons the reader may see): how
    many were sent, accepted, completed. An abandoned referral counts for the steps it went
    through. One query."""
    since, until = period(today, months)
    went = {
        step: Exists(ReferralStep.objects.filter(referral_id=OuterRef("pk"), status=step))
        for step in (rules.SENT, rules.ACCEPTED)
    }
    after_sent = (rules.SENT, rules.ACCEPTED, rules.IN_PROGRESS, rules.COMPLETED, rules.REFUSED)
    after_accepted = (rules.ACCEPTED, rules.IN_PROGRESS, rules.COMPLETED)
    counts = (
        _visible_referrals(partner, membership)
        .filter(referred_on__range=(since, until))
        .annotate(went_sent=went[rules.SENT], went_accepted=went[rules.ACCEPTED])
        .aggregate(
            sent=Count(
                "pk",
                filter=Q(status__in=after_sent)
                | Q(status=rules.ABANDONED, went_sent=True)
                | Q(status=rules.ABANDONED, went_accepted=True),
            ),
            accepted=Count(
                "pk",
                filter=Q(status__in=after_accepted) | Q(status=rules.ABANDONED, went_accepted=True),
            ),
            completed=Count("pk", filter=Q(status=rules.COMPLETED)),
        )
    )
    return Figures(since=since, until=until, months=months, **counts)


def persons_currently_referred(partner: Partner, membership: Membership) -> list[PartnerReferral]:
    """The open referrals to the partner of persons the reader may see, with their person."""
    return list(
        _visible_referrals(partner, membership)
        .exclude(status__in=rules.CLOSED_REFERRAL_STATUSES)
        .select_related("person", "person__assigned_cpip")
        .order_by("person__surname", "person__first_names", "-referred_on", "pk")
    )


# --- Writes ----------------------------------------------------------------------------------

PARTNER_FIELDS = [
    "name",
    "kind",
    "description",
    "pathways",
    "services_offered",
    "postcode",
    "phone",
    "email",
    "website",
]
SITE_FIELDS = ["name", "address", "postcode", "city", "areas", "opening_hours"]
CONTACT_FIELDS = ["name", "function", "phone", "email"]
AGREEMENT_FIELDS = ["start_date", "end_date", "scope", "places"]


def _phone(value: str, field: str = "phone") -> str:
    try:
        return phones.normalise(value)
    except phones.InvalidPhone as error:
        raise field_errors(**{field: str(error)}) from None


def _postcode(value: str, field: str = "postcode") -> str:
    value = (value or "").strip()
    if not re.fullmatch(r"\d{5}", value):
        raise field_errors(**{field: "Le code postal compte cinq chiffres (par exemple 80000)."})
    return value


def _text(data: dict, key: str) -> str:
    return (data.get(key) or "").strip()


def _fill_partner(partner: Partner, data: dict) -> None:
    partner.name = " ".join(_text(data, "name").split())
    if not partner.name:
        raise field_errors(name="Indiquez le nom du partenaire.")
    if data.get("kind") not in rules.PARTNER_KINDS:
        raise field_errors(kind="Choisissez le type de partenaire.")
    partner.kind = data["kind"]
    pathways = list(data.get("pathways") or [])
    unknown = [p for p in pathways if p not in rules.PATHWAYS]
    if unknown:
        raise field_errors(pathways="Choisissez des services parmi ceux de la liste.")
    partner.pathways = [p for p in rules.PATHWAYS if p in pathways]
    partner.description = _text(data, "description")
    partner.services_offered = _text(data, "services_offered")
    partner.postcode = _postcode(data.get("postcode", ""))
    partner.phone = _phone(data.get("phone", ""))
    partner.email = _text(data, "email")
    partner.website = _text(data, "website")


def _fill_site(site: PartnerSite, data: dict, prefix: str = "") -> None:
    def key(name: str) -> str:
        return prefix + name

    site.name = _text(data, "name")
    site.address = _text(data, "address")
    site.city = _text(data, "city")
    missing = {
        key(name): message
        for name, message in (
            ("name", "Indiquez le nom du site (par exemple « Siège » ou « Antenne de Ham »)."),
            ("address", "Indiquez l'adresse du site."),
            ("city", "Indiquez la commune du site."),
        )
        if not getattr(site, name)
    }
    if missing:
        raise field_errors(**missing)
    site.postcode = _postcode(data.get("postcode", ""), key("postcode"))
    areas = data.get("areas") or []
    if isinstance(areas, str):
        try:
            areas = parse_areas(areas)
        except ValidationError as error:
            raise field_errors(**{key("areas"): " ".join(error.messages)}) from None
    site.areas = list(areas)
    site.opening_hours = _text(data, "opening_hours")


def _fill_contact(contact: PartnerContact, data: dict, prefix: str = "") -> None:
    contact.name = " ".join(_text(data, "name").split())
    if not contact.name:
        raise field_errors(**{prefix + "name": "Indiquez le nom du contact."})
    contact.function = _text(data, "function")
    contact.phone = _phone(data.get("phone", ""), prefix + "phone")
    contact.email = _text(data, "email")


def _refresh_search_text(partner: Partner) -> None:
    partner.search_text = search_text_of(partner, list(partner.sites.all()))
    Partner.objects.filter(pk=partner.pk).update(search_text=partner.search_text)


@transaction.atomic
def partner_create(
    *,
    membership: Membership,
    data: dict,
    site: dict | None = None,
    contact: dict | None = None,
) -> Partner:
    """A new partner of the service, with its first site and contact when given (fields of the
    site prefixed ``site_``, of the contact ``contact_`` in the errors). All or nothing."""
    directory_membership(membership, manage=True)
    partner = Partner(service_id=membership.service_id, created_by=membership.user)
    _fill_partner(partner, data)
    new_site = new_contact = None
    if site:
        new_site = PartnerSite()
        _fill_site(new_site, site, prefix="site_")
    if contact:
        new_contact = PartnerContact()
        _fill_contact(new_contact, contact, prefix="contact_")
    partner.search_text = search_text_of(partner, [new_site] if new_site else [])
    partner.full_clean()
    partner.save()
    journal(
        membership, partner, person=None, summary=f"Partenaire ajouté à l'annuaire : {partner.name}"
    )
    for child, label in ((new_site, "Site"), (new_contact, "Contact")):
        if child is not None:
            child.partner = partner
            child.full_clean()
            child.save()
            journal(
                membership,
                child,
                person=None,
                summary=f"{label} ajouté au partenaire {partner.name}",
            )
    return partner


@transaction.atomic
def partner_update(*, membership: Membership, partner: Partner, data: dict) -> Partner:
    directory_membership(membership, manage=True)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(partner)
    _fill_partner(partner, data)
    partner.search_text = search_text_of(partner, list(partner.sites.all()))
    partner.full_clean()
    partner.save()
    journal(
        membership,
        partner,
        person=None,
        summary=f"Partenaire modifié : {partner.name}",
        before=before,
    )
    return partner


@transaction.atomic
def partner_set_active(*, membership: Membership, partner: Partner, active: bool) -> Partner:
    directory_membership(membership, manage=True)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.is_active == active:
        return partner
    before = audit.snapshot(partner)
    partner.is_active = active
    partner.save(update_fields=["is_active", "updated_at"])
    state = "réactivé" if active else "marqué inactif"
    journal(
        membership,
        partner,
        person=None,
        summary=f"Partenaire {state} : {partner.name}",
        before=before,
    )
    return partner


@transaction.atomic
def site_save(
    *, membership: Membership, partner: Partner, data: dict, site: PartnerSite | None = None
) -> PartnerSite:
    """Add a site to the partner, or change one of its sites."""
    directory_membership(membership, manage=True)
    if site is not None and site.partner_id != partner.pk:
        raise Http404("Site introuvable.")
    before = audit.snapshot(site) if site is not None else None
    site = site or PartnerSite(partner=partner)
    _fill_site(site, data)
    site.full_clean()
    site.save()
    if before is None:
        journal(membership, site, person=None, summary=f"Site ajouté au partenaire {partner.name}")
    else:
        journal(
            membership, site, person=None, summary=f"Site modifié ({partner.name})", before=before
        )
    _refresh_search_text(partner)
    return site


@transaction.atomic
def contact_save(
    *,
    membership: Membership,
    partner: Partner,
    data: dict,
    contact: PartnerContact | None = None,
) -> PartnerContact:
    directory_membership(membership, manage=True)
    if contact is not None and contact.partner_id != partner.pk:
        raise Http404("Contact introuvable.")
    before = audit.snapshot(contact) if contact is not None else None
    contact = contact or PartnerContact(partner=partner)
    _fill_contact(contact, data)
    contact.full_clean()
    contact.save()
    if before is None:
        journal(
            membership, contact, person=None, summary=f"Contact ajouté au partenaire {partner.name}"
        )
    else:
        journal(
            membership,
            contact,
            person=None,
            summary=f"Contact modifié ({partner.name})",
            before=before,
        )
    return contact


@transaction.atomic
def agreement_save(
    *,
    membership: Membership,
    partner: Partner,
    data: dict,
    agreement: PartnerAgreement | None = None,
) -> PartnerAgreement:
    """Record a convention with the partner, or change one."""
    directory_membership(membership, manage=True)
    if agreement is not None and agreement.partner_id != partner.pk:
        raise Http404("Convention introuvable.")
    start, end = data.get("start_date"), data.get("end_date")
    if start is None:
        raise field_errors(start_date="Indiquez la date de début de la convention.")
    if end is not None and end < start:
        raise field_errors(
            end_date=f"La fin de la convention ({format_fr(end)}) ne peut pas précéder son "
            f"début ({format_fr(start)})."
        )
    scope = _text(data, "scope")
    if not scope:
        raise field_errors(scope="Indiquez l'objet de la convention.")
    places = data.get("places")
    if places is not None and places < 1:
        raise field_errors(places="Le nombre de places réservées est d'au moins 1 (ou vide).")
    before = audit.snapshot(agreement) if agreement is not None else None
    agreement = agreement or PartnerAgreement(partner=partner)
    agreement.start_date, agreement.end_date = start, end
    agreement.scope, agreement.places = scope, places
    agreement.full_clean()
    agreement.save()
    if before is None:
        journal(
            membership,
            agreement,
            person=None,
            summary=f"Convention ajoutée au partenaire {partner.name}",
        )
    else:
        journal(
            membership,
            agreement,
            person=None,
            summary=f"Convention modifiée ({partner.name})",
            before=before,
        )
    return agreement


@transaction.atomic
def editor_grant(*, membership: Membership, user_id: int) -> PartnerEditor:
    """A manager authorises a member of the service to manage the directory."""
    directory_membership(membership)
    if not allows(membership.role, Action.MANAGE_PARTNERS):
        raise PermissionDenied("Seul l'encadrement autorise des gestionnaires de l'annuaire.")
    eligible = Membership.objects.filter(
        service_id=membership.service_id,
        user_id=user_id,
        is_active=True,
        role__in=EDITOR_ROLES,
    ).select_related("user")
    chosen = eligible.first()
    if chosen is None:
        raise field_errors(
            user="Choisissez un·e CPIP, un·e assistant·e social·e ou une personne du "
            "secrétariat de votre service."
        )
    editor = PartnerEditor(
        service_id=membership.service_id, user=chosen.user, granted_by=membership.user
    )
    try:
        with transaction.atomic():
            editor.save()
    except IntegrityError:
        raise field_errors(
            user=f"{chosen.user.get_full_name()} gère déjà l'annuaire des partenaires."
        ) from None
    audit.record_by(
        membership,
        audit.Action.CREATE,
        editor,
        person_id=None,
        summary=f"Gestion de l'annuaire des partenaires confiée à {chosen.user.get_full_name()}",
        changes={"user": [None, chosen.user_id]},
    )
    return editor


@transaction.atomic
def editor_revoke(*, membership: Membership, editor_id: int) -> PartnerEditor:
    directory_membership(membership)
    if not allows(membership.role, Action.MANAGE_PARTNERS):
        raise PermissionDenied("Seul l'encadrement retire des gestionnaires de l'annuaire.")
    editor = (
        PartnerEditor.objects.filter(service_id=membership.service_id, pk=editor_id)
        .select_related("user")
        .first()
    )
    if editor is None:
        raise Http404("Gestionnaire introuvable.")
    audit.record_by(
        membership,
        audit.Action.DELETE,
        editor,
        person_id=None,
        summary=f"Gestion de l'annuaire des partenaires retirée à {editor.user.get_full_name()}",
        changes={"user": [editor.user_id, None]},
    )
    editor.delete()
    return editor
