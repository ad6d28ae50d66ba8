from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from probatio.access.menu import landing_for


@require_GET
def home(request):
    membership = request.membership
    if membership is None:
        if request.user.is_staff:
            return redirect("admin:index")
        return render(
            request, "core/no_membership.html", {"title": "Aucun rattachement"}, status=403
        )
    # The page of the role's daily work (access.menu: a judge starts from the reports
    # transmitted to them, a manager from the service).
    return redirect(landing_for(membership.role).url_name)


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
