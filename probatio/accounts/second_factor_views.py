"""The second factor's pages: typing a code after the password, and setting up the
authenticator app (with the recovery codes shown once). docs/security.md, « Second factor »."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from probatio.accounts import second_factor
from probatio.accounts.forms import SecondFactorCodeForm
from probatio.audit import services as audit

WRONG_CODE = (
    "Ce code n'est pas accepté : il est incorrect, a déjà servi ou a expiré. Tapez le code "
    "affiché maintenant par votre application, ou un code de secours."
)
TOO_MANY = "Trop de codes refusés : attendez quelques secondes avant de réessayer."


def _next(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return "/"
    return wanted


def _journal(user, summary: str, action=audit.Action.LOGIN) -> None:
    with transaction.atomic():
        audit.record(actor=user, action=action, service_id=None, instance=user, summary=summary)


@require_http_methods(["GET", "POST"])
def code(request):
    """After the password: the code of the app, or a recovery code."""
    user = request.user
    if second_factor.state_of(request) != second_factor.CODE:
        return redirect(_next(request))
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor.throttled(user):
            form.add_error("code", TOO_MANY)
        else:
            accepted, which, left = second_factor.verify(user, form.cleaned_data["code"])
            if accepted:
                second_factor.mark_verified(request)
                if which == "recovery":
                    _journal(user, f"Second facteur : code de secours utilisé ({left} restants)")
                    messages.warning(
                        request,
                        f"Vous vous êtes connecté avec un code de secours : il ne servira plus. "
                        f"Il vous en reste {left}.",
                    )
                else:
                    _journal(user, "Second facteur vérifié")
                return redirect(_next(request))
            _journal(user, "Second facteur : code refusé", action=audit.Action.LOGIN_FAILED)
            form.add_error("code", WRONG_CODE)
    return render(
        request,
        "accounts/second_factor.html",
        {"title": "Code de vérification", "form": form, "next": _next(request)},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def setup(request):
    """Set up the authenticator app: its QR code and key, then a first code to confirm."""
    user = request.user
    if second_factor.has_device(user):
        return render(
            request,
            "accounts/second_factor_setup.html",
            {"title": "Double authentification", "active": True},
        )
    device = second_factor.pending_device(user)
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not device.verify_is_allowed()[0]:
        form.add_error("code", TOO_MANY)
    elif request.method == "POST" and form.is_valid():
        codes = second_factor.confirm(request, device, form.cleaned_data["code"])
        if codes is not None:
            return render(
                request,
                "accounts/second_factor_codes.html",
                {"title": "Vos codes de secours", "codes": codes, "next": _next(request)},
            )
        form.add_error("code", WRONG_CODE)
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "title": "Activer la double authentification",
            "form": form,
            "qr": second_factor.qr_data_uri(device),
            "secret": second_factor.secret_of(device),
            "required": second_factor.state_of(request) == second_factor.SETUP,
            "next": _next(request),
        },
        status=400 if form.errors else 200,
    )
