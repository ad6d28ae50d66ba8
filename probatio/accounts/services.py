"""Writes on a service's staff, by its managers (``Action.MANAGE_SERVICE``): accounts and
their memberships, staff absences, the e-mail that lets a new account choose its password.
Each in one transaction, journaled in the service's chain; a refusal leaves nothing written.

The platform administration (``/admin/``) keeps the services and the judges' accounts."""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from probatio.access.policy import (
    Action,
    allows,
    kept_by_platform,
    manages_service,
    roles_allowed,
)
from probatio.accounts import rules, second_factor, throttling
from probatio.accounts.models import Absence, Membership, User
from probatio.audit import services as audit
from probatio.core.errors import field_errors
from probatio.organisation.models import Site

logger = logging.getLogger(__name__)

IDENTITY_FIELDS = ["first_name", "last_name", "email", "phone", "title"]
MEMBERSHIP_FIELDS = ["role", "site", "working_time"]


def require_manager(membership) -> None:
    if membership is None or not allows(membership.role, Action.MANAGE_SERVICE):
        raise PermissionDenied("Le personnel du service est tenu par l'encadrement.")


def _check_role(role: str) -> None:
    refusal = rules.grant_refusal(role)
    if refusal:
        raise field_errors(role=refusal)


def _check_site(membership, site) -> Site | None:
    """The antenne of a membership: one of the acting manager's service's sites, or none."""
    if site in (None, ""):
        return None
    site_id = getattr(site, "pk", site)
    found = Site.objects.filter(pk=site_id, service_id=membership.service_id).first()
    if found is None:
        raise field_errors(site="Cette antenne n'appartient pas à votre service.")
    return found


def _staff_member(membership, target: Membership) -> Membership:
    """``target`` read again, locked, and checked: a membership of the manager's service that
    a manager keeps (not a judge's)."""
    found = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=target.pk, service_id=membership.service_id)
        .first()
    )
    if found is None:
        raise field_errors(role="Ce rattachement n'appartient pas à votre service.")
    if kept_by_platform(found.role):
        raise field_errors(
            role="Le rattachement d'un·e juge est tenu par l'administration de la plateforme."
        )
    return found


def _check_keeps_manager(membership, target: Membership, *, still_manager: bool) -> None:
    """A manager does not take away their own manager membership, and the service keeps at
    least one active manager."""
    if not manages_service(target.role) or not target.is_active or still_manager:
        return
    if target.pk == membership.pk:
        raise field_errors(
            role="Vous ne pouvez pas retirer votre propre rattachement d'encadrement : "
            "demandez-le à un·e autre membre de l'encadrement."
        )
    managers = Membership.objects.filter(
        service_id=membership.service_id,
        role__in=roles_allowed(Action.MANAGE_SERVICE),
        is_active=True,
    ).values_list("pk", flat=True)
    if not rules.keeps_a_manager(managers, target.pk):
        raise field_errors(role="Le service doit garder au moins un·e membre de l'encadrement.")


def _membership_new(membership, user: User, data: dict[str, Any]) -> Membership:
    role = data.get("role") or ""
    _check_role(role)
    created = Membership(
        user=user,
        service_id=membership.service_id,
        role=role,
        site=_check_site(membership, data.get("site")),
        working_time=data.get("working_time") or 100,
        is_active=True,
    )
    created.full_clean(exclude=["court"])
    created.save()
    audit.record_creation(
        membership,
        created,
        person_id=None,
        summary=f"Rattachement créé : {user} ({created.role_label})",
    )
    return created


@transaction.atomic
def staff_account_create(*, membership, data: dict[str, Any]) -> Membership:
    """A new account and its membership of the manager's service. The account has no password
    yet (``staff_password_link_send`` mails a link to choose one) and never the platform
    administration's flags."""
    require_manager(membership)
    _check_role(data.get("role") or "")
    username = (data.get("username") or "").strip()
    if User.objects.filter(username__iexact=username).exists():
        raise field_errors(
            username="Cet identifiant est déjà pris. Pour rattacher à votre service le compte "
            "d'un autre service, utilisez « Ajouter un compte existant »."
        )
    if not (data.get("email") or "").strip():
        raise field_errors(
            email="Indiquez l'adresse électronique : le lien pour choisir le mot de passe y "
            "est envoyé."
        )
    user = User(
        username=username,
        is_staff=False,
        is_superuser=False,
        is_active=True,
        **{field: (data.get(field) or "").strip() for field in IDENTITY_FIELDS},
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit.record_creation(membership, user, person_id=None, summary=f"Compte créé : {user}")
    return _membership_new(membership, user, data)


@transaction.atomic
def staff_membership_add(*, membership, username: str, data: dict[str, Any]) -> Membership:
    """An existing account (of another service, or of this one with another role) joins the
    manager's service: a new membership; its other memberships stay as they are."""
    require_manager(membership)
    _check_role(data.get("role") or "")
    user = User.objects.filter(username=(username or "").strip()).first()
    if user is None:
        raise field_errors(username="Aucun compte n'a cet identifiant : vérifiez-le.")
    if user.is_staff or user.is_superuser:
        raise field_errors(
            username="Ce compte est un compte d'administration de la plateforme : il ne peut "
            "pas être rattaché par l'encadrement."
        )
    if not user.is_active:
        raise field_errors(
            username="Ce compte est désactivé : demandez à l'administration de la plateforme "
            "de le réactiver."
        )
    if Membership.objects.filter(
        user=user, service_id=membership.service_id, role=data.get("role")
    ).exists():
        raise field_errors(role="Ce compte a déjà ce rôle dans votre service.")
    return _membership_new(membership, user, data)


@transaction.atomic
def staff_membership_update(*, membership, target: Membership, data: dict[str, Any]) -> Membership:
    """Role, antenne and working time of a membership of the service. The court of a
    membership is a judge's (``Membership.court``): never set here."""
    require_manager(membership)
    target = _staff_member(membership, target)
    before = audit.snapshot(target, MEMBERSHIP_FIELDS)
    role = data.get("role", target.role)
    _check_role(role)
    _check_keeps_manager(membership, target, still_manager=manages_service(role))
    target.role = role
    if "site" in data:
        target.site = _check_site(membership, data["site"])
    if "working_time" in data:
        target.working_time = data["working_time"]
    target.full_clean(exclude=["court"])
    target.save(update_fields=MEMBERSHIP_FIELDS)
    changes = audit.diff(before, audit.snapshot(target, MEMBERSHIP_FIELDS))
    if changes:
        audit.record_by(
            membership,
            audit.Action.UPDATE,
            target,
            person_id=None,
            summary=f"Rattachement modifié : {target.user} ({target.role_label})",
            changes=changes,
        )
    return target


@transaction.atomic
def staff_membership_set_active(*, membership, target: Membership, active: bool) -> Membership:
    """Deactivate or reactivate a membership (never deleted: the journal and the files name
    it). The account itself is deactivated only when it holds no other active membership, in
    any service; reactivating a membership reactivates the account."""
    require_manager(membership)
    target = _staff_member(membership, target)
    if target.is_active == active:
        return target
    if not active:
        _check_keeps_manager(membership, target, still_manager=False)
    target.is_active = active
    target.save(update_fields=["is_active"])
    audit.record_by(
        membership,
        audit.Action.UPDATE,
        target,
        person_id=None,
        summary=f"Rattachement {'réactivé' if active else 'désactivé'} : {target.user} "
        f"({target.role_label})",
        changes={"is_active": [not active, active]},
    )
    user = User.objects.select_for_update().get(pk=target.user_id)
    others = user.memberships.filter(is_active=True).exclude(pk=target.pk).exists()
    account_active = active or others
    if user.is_active != account_active:
        user.is_active = account_active
        user.save(update_fields=["is_active"])
        audit.record_by(
            membership,
            audit.Action.UPDATE,
            user,
            person_id=None,
            summary=f"Compte {'réactivé' if account_active else 'désactivé'} : {user}",
            changes={"is_active": [not account_active, account_active]},
        )
    return target


@transaction.atomic
def staff_identity_update(*, membership, target: Membership, data: dict[str, Any]) -> User:
    """Names, e-mail, phone and title of an account all of whose memberships are in the
    manager's service; an account shared with another service is refused (its identity is
    kept by the platform administration)."""
    require_manager(membership)
    target = _staff_member(membership, target)
    user = User.objects.select_for_update().get(pk=target.user_id)
    if not rules.identity_editable(
        membership.service_id, user.memberships.values_list("service_id", flat=True)
    ):
        raise field_errors(
            last_name="Ce compte est aussi rattaché à un autre service : son identité est tenue "
            "par l'administration de la plateforme."
        )
    before = audit.snapshot(user, IDENTITY_FIELDS)
    for field in IDENTITY_FIELDS:
        if field in data:
            setattr(user, field, (data[field] or "").strip())
    if not user.email:
        raise field_errors(email="Indiquez l'adresse électronique du compte.")
    user.full_clean(exclude=["password"])
    user.save(update_fields=IDENTITY_FIELDS)
    changes = audit.diff(before, audit.snapshot(user, IDENTITY_FIELDS))
    if changes:
        audit.record_by(
            membership,
            audit.Action.UPDATE,
            user,
            person_id=None,
            summary=f"Identité du compte modifiée : {user}",
            changes=changes,
        )
    return user


def password_link(user: User, base_url: str) -> str:
    """The link where ``user`` chooses a password (Django's password-reset token: it works
    once, and stops working after ``PASSWORD_RESET_TIMEOUT`` or a sign-in)."""
    path = reverse(
        "accounts:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def staff_password_link_send(*, membership, target: Membership, base_url: str) -> str:
    """E-mail the account of ``target`` the link to choose its password, then journal it.
    The mail goes through the project's e-mail setup (SMTP when ``EMAIL_HOST`` is set), out
    of any transaction: the journal line is written only once the mail is handed over."""
    require_manager(membership)
    with transaction.atomic():
        target = _staff_member(membership, target)
    user = target.user
    if not user.is_active or not target.is_active:
        raise field_errors(email="Ce rattachement est désactivé : réactivez-le d'abord.")
    if not user.email:
        raise field_errors(email="Ce compte n'a pas d'adresse électronique.")
    link = password_link(user, base_url)
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    try:
        send_mail(
            subject="Probatio : choisissez votre mot de passe",
            message=(
                f"Bonjour {user.get_full_name() or user.username},\n\n"
                f"Un compte Probatio a été ouvert pour vous au {target.service}, "
                f"rôle : {target.role_label}.\n"
                f"Votre identifiant : {user.username}\n\n"
                f"Pour choisir votre mot de passe, ouvrez ce lien (valable {days} jours, "
                f"une seule fois) :\n{link}\n\n"
                "Si vous n'attendiez pas ce message, ignorez-le et prévenez votre encadrement."
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    except OSError as error:
        raise ValidationError(
            "Le courriel n'a pas pu partir (serveur de messagerie injoignable) : réessayez "
            "plus tard avec « Envoyer le lien de connexion »."
        ) from error
    with transaction.atomic():
        audit.record_by(
            membership,
            audit.Action.UPDATE,
            user,
            person_id=None,
            summary=f"Lien pour choisir le mot de passe envoyé à {user}",
            context={"email": user.email},
        )
    return link


# --- Absences --------------------------------------------------------------------------


@transaction.atomic
def staff_absence_create(*, membership, target: Membership, data: dict[str, Any]) -> Absence:
    """An absence of a staff member of the service (congés, formation, mission, autre):
    never a medical reason."""
    require_manager(membership)
    target = _staff_member(membership, target)
    start, end = data.get("start_date"), data.get("end_date") or data.get("start_date")
    absence = Absence(
        membership=target, kind=data.get("kind") or "", start_date=start, end_date=end
    )
    if start and end and end < start:
        raise field_errors(
            end_date="La fin de l'absence doit être le même jour que le début ou après."
        )
    absence.full_clean()
    overlapping = target.absences.filter(start_date__lte=end, end_date__gte=start).first()
    if overlapping is not None:
        raise field_errors(
            start_date=f"Cette absence chevauche une absence déjà saisie ({overlapping})."
        )
    absence.save()
    audit.record_creation(
        membership,
        absence,
        person_id=None,
        summary=f"Absence ajoutée : {target.user}, {absence}",
    )
    return absence


@transaction.atomic
def staff_absence_delete(*, membership, absence: Absence) -> None:
    require_manager(membership)
    absence = (
        Absence.objects.select_for_update(of=("self",))
        .select_related("membership__user")
        .filter(pk=absence.pk, membership__service_id=membership.service_id)
        .first()
    )
    if absence is None:
        raise field_errors(start_date="Cette absence n'appartient pas à votre service.")
    audit.record_by(
        membership,
        audit.Action.DELETE,
        absence,
        person_id=None,
        summary=f"Absence supprimée : {absence.membership.user}, {absence}",
        changes=audit.diff(audit.snapshot(absence), {}),
    )
    absence.delete()


@transaction.atomic
def staff_unlock(*, membership, target: Membership) -> int:
    """Lift the sign-in suspension of ``target``'s account (its failures, from every address),
    journaled. The number of addresses it was counted from; 0 when it was not suspended."""
    require_manager(membership)
    target = _staff_member(membership, target)
    username = target.user.username
    was_locked = throttling.is_locked_out(username)
    removed = throttling.unlock(username)
    if was_locked:
        audit.record_by(
            membership,
            audit.Action.UPDATE,
            target.user,
            person_id=None,
            summary=f"Suspension de connexion levée : {target.user}",
        )
    return removed if was_locked else 0


def password_recovery_send(*, identifier: str, base_url: str) -> bool:
    """Mail the link to choose a new password to the active account named by ``identifier``
    (its username, or its e-mail address when one account only has it). Whether an account
    was found is never told to the person asking (the caller shows the same message); False
    when no mail went. Journaled on the platform's chain when a mail went."""
    identifier = (identifier or "").strip()
    if not identifier:
        return False
    users = User.objects.filter(is_active=True)
    user = users.filter(username__iexact=identifier).first()
    if user is None and "@" in identifier:
        found = list(users.filter(email__iexact=identifier)[:2])
        user = found[0] if len(found) == 1 else None
    if user is None or not user.email:
        return False
    link = password_link(user, base_url)
    hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
    try:
        send_mail(
            subject="Probatio : choisir un nouveau mot de passe",
            message=(
                f"Bonjour {user.get_full_name() or user.username},\n\n"
                "Un nouveau mot de passe a été demandé pour votre compte Probatio "
                f"(identifiant : {user.username}).\n\n"
                f"Pour le choisir, ouvrez ce lien (valable {hours} heures, une seule fois) :\n"
                f"{link}\n\n"
                "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe actuel "
                "reste valable. Prévenez votre encadrement si cela se reproduit."
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    except OSError:
        logger.exception("Courriel de récupération du mot de passe non parti")
        return False
    with transaction.atomic():
        audit.record(
            actor=user,
            action=audit.Action.UPDATE,
            service_id=None,
            instance=user,
            summary="Lien pour choisir un nouveau mot de passe envoyé (mot de passe oublié)",
        )
    return True


@transaction.atomic
def password_changed(*, user: User, before: str) -> None:
    """Journal a password the user changed themselves (fingerprints only)."""
    audit.record(
        actor=user,
        action=audit.Action.UPDATE,
        service_id=None,
        instance=user,
        summary="Mot de passe changé par son titulaire",
        changes=audit.diff(
            {"password": audit.fingerprint(before)},
            {"password": audit.fingerprint(user.password)},
        ),
    )


@transaction.atomic
def staff_second_factor_reset(*, membership, target: Membership) -> None:
    """Remove ``target``'s second factor (a lost phone): the next sign-in sets a new one up at
    once. Journaled on the service's chain."""
    require_manager(membership)
    target = _staff_member(membership, target)
    second_factor.reset(target.user)
    audit.record_by(
        membership,
        audit.Action.UPDATE,
        target.user,
        person_id=None,
        summary=f"Double authentification réinitialisée : {target.user}",
    )
