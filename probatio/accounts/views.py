from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from probatio.accounts import services
from probatio.accounts.forms import (
    NewPasswordForm,
    OwnPasswordForm,
    PasswordForgottenForm,
    SignInForm,
)
from probatio.accounts.middleware import IDLE_FLAG, IDLE_SESSION_KEY, SESSION_KEY, idle_seconds
from probatio.audit import services as audit


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["idle_minutes"] = idle_seconds() // 60
        flagged = self.request.session.pop(IDLE_SESSION_KEY, False)
        context["after_idle"] = flagged or self.request.GET.get(IDLE_FLAG) == "1"
        return context

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            user = form.get_user()
            audit.record(
                actor=user,
                action=audit.Action.LOGIN,
                service_id=None,
                instance=user,
                summary="Connexion",
            )
        return response

    def form_invalid(self, form):
        username = (form.data.get("username") or "")[:150]
        with transaction.atomic():
            audit.record(
                actor=None,
                action=audit.Action.LOGIN_FAILED,
                service_id=None,
                object_type="accounts.user",
                summary="Échec de connexion",
                context={"username": username},
            )
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            with transaction.atomic():
                audit.record(
                    actor=request.user,
                    action=audit.Action.LOGOUT,
                    service_id=None,
                    instance=request.user,
                    summary="Déconnexion",
                )
        response = super().post(request, *args, **kwargs)
        messages.info(request, "Vous êtes déconnecté·e.")
        return response


def choose_service(request):
    next_url = request.GET.get("next") or request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.method == "POST":
        return _switch(request, next_url)
    return render(
        request,
        "accounts/choose_service.html",
        {"next": next_url, "title": "Choisir le rattachement"},
    )


@require_POST
def switch_service(request):
    return _switch(request, "/")


def _switch(request, next_url):
    try:
        wanted = int(request.POST.get("membership", ""))
    except ValueError:
        wanted = None
    membership = next((m for m in request.memberships if m.pk == wanted), None)
    if membership is None:
        messages.error(request, "Ce rattachement n'existe pas ou n'est pas le vôtre.")
        return redirect("accounts:choose_service")
    with transaction.atomic():
        request.session[SESSION_KEY] = membership.pk
        audit.record(
            actor=request.user,
            action=audit.Action.SWITCH,
            service_id=membership.service_id,
            role=membership.role,
            instance=membership,
            summary=f"Travaille pour {membership.service}",
        )
    messages.success(
        request, f"Vous travaillez pour {membership.service} ({membership.role_label})."
    )
    return HttpResponseRedirect(next_url)


@method_decorator(login_not_required, name="dispatch")
class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The link mailed to a new account (``services.staff_password_link_send``): Django's
    password-reset token, valid once and for ``PASSWORD_RESET_TIMEOUT``. The new password is
    journaled (a fingerprint only) in the same transaction."""

    template_name = "accounts/set_password.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False
    extra_context = {"title": "Choisir votre mot de passe"}

    def form_valid(self, form):
        with transaction.atomic():
            before = form.user.password
            response = super().form_valid(form)
            audit.record(
                actor=form.user,
                action=audit.Action.UPDATE,
                service_id=None,
                instance=form.user,
                summary="Mot de passe choisi depuis le lien reçu par courriel",
                changes=audit.diff(
                    {"password": audit.fingerprint(before)},
                    {"password": audit.fingerprint(form.user.password)},
                ),
            )
        messages.success(
            self.request,
            "Votre mot de passe est enregistré : connectez-vous avec votre identifiant.",
        )
        return response


RECOVERY_SENT = (
    "Si un compte actif correspond à ce que vous avez indiqué et qu'il a une adresse "
    "électronique, un courriel avec un lien pour choisir un nouveau mot de passe vient de lui "
    "être envoyé. Le lien ne sert qu'une fois."
)


@login_not_required
@require_http_methods(["GET", "POST"])
def password_forgotten(request):
    """« Mot de passe oublié » : the same answer whether an account exists or not."""
    form = PasswordForgottenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_recovery_send(
            identifier=form.cleaned_data["identifier"],
            base_url=request.build_absolute_uri("/"),
        )
        messages.info(request, RECOVERY_SENT)
        return redirect("accounts:login")
    return render(
        request,
        "accounts/password_forgotten.html",
        {"title": "Mot de passe oublié", "form": form},
        status=400 if form.errors else 200,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """The signed-in user changes their own password; the session stays open, the others of
    the account are closed (Django's session hash), journaled."""

    template_name = "accounts/password_change.html"
    form_class = OwnPasswordForm
    success_url = reverse_lazy("home")
    extra_context = {"title": "Changer mon mot de passe"}

    def form_valid(self, form):
        with transaction.atomic():
            before = self.request.user.password
            response = super().form_valid(form)
            services.password_changed(user=form.user, before=before)
        messages.success(self.request, "Votre mot de passe est changé.")
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response
