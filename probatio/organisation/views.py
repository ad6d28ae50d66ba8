from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from probatio.access.policy import Action, allows
from probatio.core.forms import apply_errors
from probatio.organisation import selectors, services
from probatio.organisation.forms import ServiceSettingsForm


@require_http_methods(["GET", "POST"])
def service_settings(request):
    membership = request.membership
    if membership is None:
        raise Http404("Aucun service choisi.")
    if not allows(membership.role, Action.MANAGE_SERVICE):
        raise PermissionDenied("Les paramètres du service sont réservés à l'encadrement.")
    service = selectors.service_get(membership.service_id)
    form = ServiceSettingsForm(
        request.POST or None, initial=ServiceSettingsForm.initial_for(service)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.service_settings_update(
                membership=membership,
                data={k: form.cleaned_data[k] for k in services.SETTING_FIELDS},
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Paramètres du service enregistrés.")
            return redirect("organisation:settings")
    sites = selectors.sites_with_rooms(service.pk)
    return render(
        request,
        "organisation/service_settings.html",
        {
            "title": "Paramètres du service",
            "nav": "settings",
            "form": form,
            "service": service,
            "sites": sites,
        },
        status=400 if form.errors else 200,
    )
