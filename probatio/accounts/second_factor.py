"""A second factor for every staff account (docs/security.md, « Second factor »), with
django-otp: a TOTP application (any authenticator app), and single-use recovery codes.

Where a session stands is decided once, when it signs in (``on_login``, from Django's
``user_logged_in`` signal: Probatio's sign-in, the administration's, a test's ``force_login``)
and kept in the session (``STATE_KEY``), so that pages pay no query for it:

- ``code``: the account has a confirmed device: nothing opens until a code is typed;
- ``grace``: no device yet, within the grace period (``SECOND_FACTOR_GRACE_DAYS`` from the
  first sign-in without one): pages open, a banner asks to set it up;
- ``setup``: no device and the grace is over (or a manager reset it): only the setup opens;
- ``verified``: a code was typed, or the device was just set up.

``accounts.middleware.SecondFactorMiddleware`` applies it on every request. A session verified
before a manager resets the factor keeps going until it ends (30 minutes idle, 8 hours at
most); the next sign-in asks for a new setup.
"""

import base64
import io
from datetime import timedelta

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from probatio.audit import services as audit

STATE_KEY = "probatio_second_factor"
DUE_KEY = "probatio_second_factor_due"
CODE, GRACE, SETUP, VERIFIED = "code", "grace", "setup", "verified"
TOTP_NAME = "Application d'authentification"
RECOVERY_NAME = "Codes de secours"
RECOVERY_COUNT = 10


def grace_days() -> int:
    return int(getattr(settings, "SECOND_FACTOR_GRACE_DAYS", 7))


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def decide(user, *, now=None) -> tuple[str, object]:
    """(state, grace's end) for a session of ``user`` signing in now."""
    if has_device(user):
        return CODE, None
    now = now or timezone.now()
    due = user.second_factor_due
    if due is None:
        due = now + timedelta(days=grace_days())
        type(user).objects.filter(pk=user.pk).update(second_factor_due=due)
        user.second_factor_due = due
    return (GRACE if due > now else SETUP), due


def on_login(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    state, due = decide(user)
    request.session[STATE_KEY] = state
    if due is not None:
        request.session[DUE_KEY] = due.isoformat()


def state_of(request) -> str | None:
    return request.session.get(STATE_KEY)


def mark_verified(request) -> None:
    request.session.cycle_key()  # a new session id once the second factor is proven
    request.session[STATE_KEY] = VERIFIED
    request.session.pop(DUE_KEY, None)


# --- Typing a code --------------------------------------------------------------------------


def verify(user, token: str) -> tuple[bool, str, int]:
    """(accepted, which: "totp" or "recovery", recovery codes left). A TOTP code is refused
    when already used (django-otp keeps the last time step) or outside its window; a recovery
    code works once. Wrong codes slow the next attempts down (django-otp's throttling)."""
    token = "".join((token or "").split())
    if not token:
        return False, "", 0
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if token.isdigit() and device.verify_token(token):
            return True, "totp", 0
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token.lower()):
            return True, "recovery", device.token_set.count()
    return False, "", 0


def throttled(user) -> bool:
    """Is the user's next attempt refused by django-otp's delay after wrong codes?"""
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    return any(not device.verify_is_allowed()[0] for device in devices)


# --- Setting it up -----------------------------------------------------------------------------


def pending_device(user) -> TOTPDevice:
    """The device being set up (not confirmed yet): the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The key in base32, in groups of four (to type into an app without the QR code)."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The setup QR code as an SVG data URI (an ``img``: allowed by the page's policy)."""
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@transaction.atomic
def confirm(request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm ``device`` with a first code; None when the code is wrong. Creates the recovery
    codes (returned, shown once) and marks the session verified, journaled."""
    token = "".join((token or "").split())
    if not token.isdigit() or not device.verify_token(token):
        return None
    user = device.user
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_new(user)
    audit.record(
        actor=user,
        action=audit.Action.UPDATE,
        service_id=None,
        instance=user,
        summary="Double authentification activée",
    )
    mark_verified(request)
    return codes


def recovery_codes_new(user) -> list[str]:
    """New recovery codes (the former ones stop working)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def reset(user) -> None:
    """Remove the user's second factor: the next sign-in asks for a new setup at once."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    type(user).objects.filter(pk=user.pk).update(second_factor_due=timezone.now())
