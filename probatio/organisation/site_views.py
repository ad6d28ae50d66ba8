"""The managers' pages of the service's sites (antennes): details, opening hours, rooms and
closed days (« Paramètres »). Every page asks ``Action.MANAGE_SERVICE``; a site, room or closed
day of another service is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.organisation import rules, selectors, services
from probatio.organisation.forms import ClosedDayForm, OpeningHoursForm, RoomForm, SiteForm

REFUSAL = "Les antennes, horaires, bureaux et fermetures sont tenus par l'encadrement."


def _manager(request):
    return page_membership(request, Action.MANAGE_SERVICE, REFUSAL)


def _render(request, template: str, context: dict, form=None):
    return render(
        request,
        template,
        {"nav": "settings", **context},
        status=400 if form is not None and form.errors else 200,
    )


@require_http_methods(["GET"])
def sites(request):
    membership = _manager(request)
    today = timezone.localdate()
    return _render(
        request,
        "organisation/sites.html",
        {
            "title": "Antennes, horaires et bureaux",
            "sites": selectors.sites_with_rooms(membership.service_id),
            "closed_days": selectors.closed_days_from(membership.service_id, today=today),
        },
    )


def _site_form(request, membership, site=None):
    form = SiteForm(
        request.POST or None,
        initial=SiteForm.initial_for(site) if site else {"kind": "community"},
        establishments=selectors.establishments_of(membership.service_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.site_save(
                membership=membership, site=site, data=form.data_for_service()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Antenne « {saved.name} » enregistrée.")
            return form, redirect("organisation:site_edit", saved.pk)
    return form, None


@require_http_methods(["GET", "POST"])
def site_new(request):
    membership = _manager(request)
    form, done = _site_form(request, membership)
    if done:
        return done
    return _render(
        request, "organisation/site_form.html", {"title": "Nouvelle antenne", "form": form}, form
    )


@require_http_methods(["GET", "POST"])
def site_edit(request, site_id: int):
    membership = _manager(request)
    site = selectors.site_get(membership.service_id, site_id)
    form, done = _site_form(request, membership, site)
    if done:
        return done
    return _render(
        request,
        "organisation/site_form.html",
        {
            "title": f"Antenne « {site.name} »",
            "form": form,
            "site": site,
            "rooms": selectors.rooms_of_site(site.pk),
        },
        form,
    )


@require_http_methods(["GET", "POST"])
def site_hours(request, site_id: int):
    membership = _manager(request)
    site = selectors.site_get(membership.service_id, site_id)
    form = OpeningHoursForm(request.POST or None, initial=OpeningHoursForm.initial_for(site))
    if request.method == "POST" and form.is_valid():
        try:
            services.site_hours_update(membership=membership, site=site, hours=form.hours)
        except ValidationError as error:
            apply_errors(form, error)
            form.day_errors = error.message_dict
        else:
            messages.success(request, f"Horaires de « {site.name} » enregistrés.")
            return redirect("organisation:site_edit", site.pk)
    return _render(
        request,
        "organisation/site_hours.html",
        {"title": f"Horaires d'ouverture — {site.name}", "form": form, "site": site},
        form,
    )


def _room_form(request, membership, *, room=None, site=None):
    sites = selectors.sites_of(membership.service_id)
    initial = (
        {
            "site": str(room.site_id),
            "name": room.name,
            "access_notes": room.access_notes,
            "is_active": room.is_active,
        }
        if room
        else {"site": str(site.pk), "is_active": True}
    )
    form = RoomForm(request.POST or None, initial=initial, sites=sites)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.room_save(
                membership=membership, room=room, data=form.data_for_service()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Bureau « {saved.name} » enregistré.")
            return form, redirect("organisation:site_edit", saved.site_id)
    return form, None


@require_http_methods(["GET", "POST"])
def room_new(request, site_id: int):
    membership = _manager(request)
    site = selectors.site_get(membership.service_id, site_id)
    form, done = _room_form(request, membership, site=site)
    if done:
        return done
    return _render(
        request,
        "organisation/room_form.html",
        {"title": f"Nouveau bureau — {site.name}", "form": form, "site": site},
        form,
    )


@require_http_methods(["GET", "POST"])
def room_edit(request, room_id: int):
    membership = _manager(request)
    room = selectors.room_get(membership.service_id, room_id)
    form, done = _room_form(request, membership, room=room)
    if done:
        return done
    return _render(
        request,
        "organisation/room_form.html",
        {"title": f"Bureau « {room.name} »", "form": form, "site": room.site, "room": room},
        form,
    )


@require_http_methods(["GET", "POST"])
def closed_days(request):
    membership = _manager(request)
    today = timezone.localdate()
    sites_list = selectors.sites_of(membership.service_id)
    form = ClosedDayForm(request.POST or None, sites=sites_list)
    if request.method == "POST" and form.is_valid():
        try:
            closed = services.closed_day_create(membership=membership, data=form.data_for_service())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Fermeture « {closed.reason} » enregistrée.")
            return redirect("organisation:closed_days")
    rows = [
        (
            closed,
            rules.closure_period(
                rules.Closure(start=closed.start_date, end=closed.end_date, reason=closed.reason)
            ),
        )
        for closed in selectors.closed_days_from(membership.service_id, today=today)
    ]
    return _render(
        request,
        "organisation/closed_days.html",
        {"title": "Fermetures des antennes", "form": form, "rows": rows},
        form,
    )


@require_POST
def closed_day_delete(request, closed_id: int):
    membership = _manager(request)
    closed = selectors.closed_day_get(membership.service_id, closed_id)
    services.closed_day_delete(membership=membership, closed=closed)
    messages.success(request, f"Fermeture « {closed.reason} » supprimée.")
    return redirect("organisation:closed_days")
