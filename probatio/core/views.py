from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from probatio.access.roles import Role


@require_GET
def home(request):
    membership = request.membership
    if membership is None:
        if request.user.is_staff:
            return redirect("admin:index")
        return render(
            request, "core/no_membership.html", {"title": "Aucun rattachement"}, status=403
        )
    if membership.role == Role.MANAGER:
        return redirect("caseloads:service")
    if membership.role == Role.JUDGE:
        return redirect("reports:list")  # the reports transmitted to them
    if membership.role in (Role.SECRETARIAT, Role.MONITORING):
        return redirect("caseloads:search")
    return redirect("caseloads:mine")


@login_not_required
@require_GET
def accessibility(request):
    return render(request, "core/accessibility.html", {"title": "Déclaration d'accessibilité"})


def forbidden(request, exception=None):
    return render(
        request,
        "core/403.html",
        {"title": "Accès refusé", "reason": str(exception or "")},
        status=403,
    )


def not_found(request, exception=None):
    return render(request, "core/404.html", {"title": "Page introuvable"}, status=404)
