from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action, PersonFacts, allows, scope_for
from probatio.agenda import calendar, entries, rules, selectors, services
from probatio.agenda.forms import (
    AgendaFilterForm,
    BookingForm,
    MoveForm,
    OutcomeForm,
    SlotSearchForm,
    UnplannedInterviewForm,
    open_day_from,
)
from probatio.agenda.models import Appointment
from probatio.audit import services as audit
from probatio.core.errors import keeps_draft
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.core.paging import paginate_in_one_query
from probatio.notes import services as note_services
from probatio.notes.forms import NoteForm
from probatio.notes.views import draft_saved, drafting
from probatio.organisation.selectors import rooms_of, sites_of
from probatio.people.selectors import person_get_for
from probatio.people.views import dossier_context, dossier_page

WEEKDAYS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]


def _membership(request):
    return page_membership(request, Action.OPEN_AGENDA, "L'agenda est réservé aux équipes du SPIP.")


def _log_list(membership, summary: str, context: dict) -> None:
    audit.record_list(
        membership, object_type="agenda.appointment", summary=summary, context=context
    )


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _holds_appointments(role: str) -> bool:
    """Whose own agenda a booking starts from: staff with an agenda and files of their own
    (not the managers and the secretariat, who book for others; not a judge)."""
    return allows(role, Action.OPEN_AGENDA) and scope_for(role, Action.OPEN_CASELOAD) is not None


def _may_record_outcome(membership, appointment: Appointment) -> bool:
    """The policy's answer for a listed appointment, from what the list already loaded (the
    caseload fact is the assigned CPIP; other professionals use their own agenda)."""
    facts = PersonFacts(
        is_caseload=appointment.person.assigned_cpip_id == membership.user_id,
        is_own=any(u.pk == membership.user_id for u in appointment.staff.all()),
    )
    return allows(membership.role, Action.RECORD_OUTCOME, facts)


# Appointments per page of the whole service's agenda (a service of 600 persons holds about
# 200 a week: one page; the largest, 12,000 persons, about 1,700).
SERVICE_PAGE = 250


@require_GET
def agenda(request):
    """Week or day view of one staff member's agenda, or a site's, or the whole service's."""
    membership = _membership(request)
    staff = list(selectors.staff_by_name(membership.service_id))
    sites = sites_of(membership.service_id)
    params = request.GET.copy()
    if "agent" not in params and "site" not in params:
        if _holds_appointments(membership.role):
            params["agent"] = str(membership.user_id)
        elif membership.site_id:
            params["site"] = str(membership.site_id)
    form = AgendaFilterForm(params, staff=staff, sites=sites)
    form.is_valid()
    data = form.cleaned_data if form.is_valid() else {}
    view = data.get("view") or "semaine"
    day = data.get("date") or timezone.localdate()
    agent_id = data.get("agent")
    site_id = data.get("site")
    days = [day] if view == "jour" else selectors.week_days(day)
    listed = selectors.appointments_between(
        membership, days[0], days[-1], staff_id=agent_id, site_id=site_id
    )
    # The whole service's agenda is read by pages in the order of time (a large service holds
    # thousands of appointments a week); one staff member's or one site's, whole.
    page = None
    if not agent_id and not site_id:
        page = paginate_in_one_query(request, listed, per_page=SERVICE_PAGE)
        appointments = list(page.object_list)
    else:
        appointments = list(listed)
    by_day = {d: [] for d in days}
    for appointment in appointments:
        appointment.can_outcome = _may_record_outcome(membership, appointment)
        local = selectors.local_day(appointment.starts_at)
        if local in by_day:
            by_day[local].append(appointment)
    # What other apps put in the agenda (a programme's group sessions): one query a provider.
    # (Not paged: all of them with the first page of the whole service's appointments.)
    others = {d: [] for d in days}
    found = []
    if page is None or page.number == 1:
        found = entries.between(
            entries.EntryQuery(
                service_id=membership.service_id,
                start=rules.day_bounds(days[0])[0],
                end=rules.day_bounds(days[-1])[1],
                staff_ids=(agent_id,) if agent_id else (),
                site_id=site_id,
            )
        )
    for entry in found:
        local = selectors.local_day(entry.starts_at)
        if local in others:
            others[local].append(entry)
    if view == "semaine" and not any(by_day[d] or others[d] for d in days[5:]):
        days = days[:5]  # weekend hidden when empty
    agent = next((u for u in staff if u.pk == agent_id), None)
    site = next((s for s in sites if s.pk == site_id), None)
    heading = (
        f"Agenda de {agent.get_full_name()}"
        if agent
        else f"Agenda de l'antenne {site.name}"
        if site
        else "Agenda du service"
    )
    _log_list(
        membership,
        f"Liste : {heading}",
        {
            "view": view,
            "date": day.isoformat(),
            "agent": agent_id,
            "site": site_id,
            **({"page_number": page.number} if page else {}),
        },
    )
    notices = selectors.day_notices(
        membership.service_id,
        days,
        site_id=site_id,
        agent_id=agent_id,
        names={u.pk: u.get_full_name() or u.username for u in staff},
    )
    grid = _week_grid(days, by_day, site, sites, others) if view == "semaine" else None
    step = timedelta(days=1 if view == "jour" else 7)
    base = params.copy()
    base.pop("date", None)
    base.pop("page", None)
    paged = params.copy()
    paged.pop("page", None)
    own = any(u.pk == membership.user_id for u in staff) and _holds_appointments(membership.role)
    return render(
        request,
        "agenda/agenda.html",
        {
            "title": heading,
            "nav": "agenda",
            "form": form,
            "view": view,
            "day": day,
            "days": [
                {
                    "date": d,
                    "name": WEEKDAYS[d.weekday()],
                    # Appointments and other entries (``Entry.is_entry``), in time order.
                    "items": sorted(by_day[d] + others[d], key=lambda item: item.starts_at),
                    "notices": notices[d],
                }
                for d in days
            ],
            "grid": grid,
            "today": timezone.localdate(),
            "previous": (day - step).isoformat(),
            "next": (day + step).isoformat(),
            "base_query": base.urlencode(),
            "page": page,
            "query_string": paged.urlencode(),
            "service_page": SERVICE_PAGE,
            "agent": agent,
            "site": site,
            "own_agenda": own,
            "current_path": request.get_full_path(),
            "now_dt": timezone.now(),
        },
    )


GRID_STEP = 30  # minutes per row of the week grid


def _week_grid(days: list, by_day: dict, site, sites: list, others: dict) -> list[dict]:
    """The week grid's rows: one per half-hour of the opening span (the chosen site's hours,
    else those of all the service's sites), stretched to the appointments and other entries
    shown; each row holds, per day, the appointments and entries starting in that half-hour."""
    if site is not None:
        hours = site.opening_hours
    else:
        hours: dict = {}
        for each in sites:
            for weekday, ranges in (each.opening_hours or {}).items():
                hours.setdefault(weekday, []).extend(ranges)
    shown = [a for d in days for a in by_day[d]] + [e for d in days for e in others[d]]
    first, last = rules.grid_span(hours, [a.starts_at for a in shown], [a.ends_at for a in shown])
    rows = [
        {
            "label": f"{m // 60:02d}:{m % 60:02d}",
            "anchor": f"{m // 60:02d}{m % 60:02d}",
            "cells": [{"date": d, "items": [], "entries": []} for d in days],
        }
        for m in range(first, last, GRID_STEP)
    ]
    for index, day in enumerate(days):
        for appointment in by_day[day]:
            row = rules.grid_row_of(appointment.starts_at, first=first, step=GRID_STEP)
            rows[max(0, min(row, len(rows) - 1))]["cells"][index]["items"].append(appointment)
        for entry in others[day]:
            row = rules.grid_row_of(entry.starts_at, first=first, step=GRID_STEP)
            rows[max(0, min(row, len(rows) - 1))]["cells"][index]["entries"].append(entry)
    return rows


@require_GET
def print_day(request):
    """The reception desk's list for one day: time, name, staff, room. Nothing else."""
    membership = _membership(request)
    sites = sites_of(membership.service_id)
    form = AgendaFilterForm(request.GET, staff=[], sites=sites)
    data = form.cleaned_data if form.is_valid() else {}
    day = data.get("date") or timezone.localdate()
    site_id = data.get("site") or membership.site_id
    site = next((s for s in sites if s.pk == site_id), None)
    appointments = [
        a
        for a in selectors.appointments_between(membership, day, day, site_id=site_id)
        if a.status not in (Appointment.Status.CANCELLED, Appointment.Status.POSTPONED)
    ]
    _log_list(
        membership,
        "Liste : rendez-vous du jour (accueil)",
        {"date": day.isoformat(), "site": site_id},
    )
    return render(
        request,
        "agenda/print_day.html",
        {
            "title": f"Rendez-vous du {day:%d/%m/%Y}",
            "day": day,
            "weekday": WEEKDAYS[day.weekday()],
            "site": site,
            "sites": sites,
            "appointments": appointments,
        },
    )


@require_GET
def detail(request, pk: int):
    ga = selectors.appointment_get_for(request.membership, pk, log_read="rendez-vous")
    appointment = ga.appointment
    outcome_form = OutcomeForm()
    return render(
        request,
        "agenda/detail.html",
        dossier_context(
            ga.gated,
            "appointments",
            ga=ga,
            appointment=appointment,
            outcome_form=outcome_form,
            messages_sent=selectors.messages_by_appointment([appointment]).get(appointment.pk, []),
            can_settle_messages=ga.allows(Action.BOOK_APPOINTMENT),
            summonses=selectors.summonses_of(appointment),
            can_generate=ga.allows(Action.BOOK_APPOINTMENT)
            and appointment.status
            not in (Appointment.Status.CANCELLED, Appointment.Status.POSTPONED),
            can_write_note=ga.gated.allows(Action.WRITE_NOTE) and appointment.note_id is None,
            title=f"{appointment.get_kind_display()} du "
            f"{rules.paris(appointment.starts_at):%d/%m/%Y à %H:%M} — {appointment.person}",
        ),
    )


@require_POST
def set_status(request, pk: int):
    ga = selectors.appointment_get_for(request.membership, pk, action=Action.RECORD_OUTCOME)
    form = OutcomeForm(request.POST)
    default_next = reverse("agenda:detail", args=[pk])
    if form.is_valid():
        try:
            result = services.appointment_set_status(
                gated=ga.gated,
                appointment=ga.appointment,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["status_reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            appointment = result.appointment
            messages.success(
                request,
                f"{services.OUTCOME_TITLES[appointment.status]} : "
                f"{appointment.person} le {rules.paris(appointment.starts_at):%d/%m/%Y à %H:%M}.",
            )
            if result.propose_incident:
                messages.warning(
                    request,
                    f"{result.no_shows_on_measure} absences non excusées sur la mesure "
                    f"{appointment.measure.measure_type.short_label} : un incident est à "
                    "envisager (rappel des obligations, rapport d'incident au juge).",
                )
            return redirect(_safe_next(request, default_next))
    for message in form.non_field_errors() + [
        e for field in form.errors if field != "__all__" for e in form.errors[field]
    ]:
        messages.error(request, message)
    return redirect(default_next + "#issue")


@require_POST
def message_settle(request, pk: int, message_id: int):
    """A person's decision on an "uncertain" reminder of this appointment: send it again, or
    file it without sending."""
    ga = selectors.appointment_get_for(request.membership, pk, action=Action.BOOK_APPOINTMENT)
    decision = request.POST.get("decision")
    if decision not in ("resend", "dismiss"):
        messages.error(request, "Choisissez de renvoyer le message ou de le classer.")
        return redirect(reverse("agenda:detail", args=[pk]) + "#messages-title")
    try:
        services.appointment_message_settle(
            gated=ga.gated,
            appointment=ga.appointment,
            message_id=message_id,
            resend=decision == "resend",
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(
            request,
            "Le message va être renvoyé dans la minute."
            if decision == "resend"
            else "Le message est classé : il ne sera pas renvoyé.",
        )
    return redirect(reverse("agenda:detail", args=[pk]) + "#messages-title")


@require_http_methods(["GET", "POST"])
def move(request, pk: int):
    ga = selectors.appointment_get_for(
        request.membership, pk, action=Action.BOOK_APPOINTMENT, log_read="report de rendez-vous"
    )
    appointment = ga.appointment
    if not appointment.is_planned:
        messages.error(request, "Seul un rendez-vous planifié peut être déplacé.")
        return redirect("agenda:detail", pk)
    form = MoveForm(request.POST or None, appointment=appointment)
    warnings = []
    if request.method == "POST" and form.is_valid():
        try:
            new = services.appointment_move(
                gated=ga.gated,
                appointment=appointment,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                reason=form.cleaned_data["status_reason"],
                room=form.cleaned_data.get("room"),
                confirmed=form.cleaned_data["confirm"],
            )
        except services.NeedsConfirmation as exc:
            warnings = exc.warnings
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Rendez-vous reporté au {rules.paris(new.starts_at):%d/%m/%Y à %H:%M} ; "
                "la personne en est informée (avis de déplacement ou rappels du nouveau "
                "rendez-vous) si elle a accepté les messages.",
            )
            return redirect("agenda:detail", new.pk)
    return render(
        request,
        "agenda/move.html",
        dossier_context(
            ga.gated,
            "appointments",
            appointment=appointment,
            form=form,
            warnings=warnings,
            cancel_url=reverse("agenda:detail", args=[pk]),
            title=f"Reporter un rendez-vous — {appointment.person}",
        ),
        status=400 if form.errors or warnings else 200,
    )


@keeps_draft("agenda:note")
@require_http_methods(["GET", "POST"])
def write_note(request, pk: int):
    """The interview note of this appointment, linked to it once saved."""
    ga = selectors.appointment_get_for(request.membership, pk, log_read="note de rendez-vous")
    gated = person_get_for(request.membership, ga.appointment.person_id, action=Action.WRITE_NOTE)
    appointment = ga.appointment
    if appointment.note_id:
        return redirect("notes:detail", appointment.person_id, appointment.note_id)
    role = request.membership.role
    place = note_services.Place.APPOINTMENT
    drafts = drafting(request, gated, place, pk)  # the author's draft of this note only
    if request.method == "POST":
        form = NoteForm(request.POST, role=role)
    else:
        form = NoteForm(
            initial={
                "interview_date": rules.paris(appointment.starts_at).date(),
                "subject": appointment.get_kind_display(),
                **drafts["draft_values"],
            },
            role=role,
        )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the note and the end of its draft, together
                services.appointment_note_write(
                    gated=gated,
                    appointment=appointment,
                    data=form.cleaned_data,
                )
                note_services.draft_done(gated=gated, place=place, place_id=pk)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            draft_saved(request, gated, place, pk)
            messages.success(request, "Note enregistrée et rattachée au rendez-vous.")
            return redirect("agenda:detail", pk)
    return render(
        request,
        "notes/note_form.html",
        dossier_context(
            gated,
            "appointments",
            form=form,
            appointment=appointment,
            **drafts,
            cancel_url=reverse("agenda:detail", args=[pk]),
        ),
        status=400 if form.errors else 200,
    )


@require_GET
def ics(request, pk: int):
    ga = selectors.appointment_get_for(request.membership, pk, log_read="export iCalendar")
    body = calendar.to_ics([ga.appointment], name="Rendez-vous")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rendez-vous-{pk}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def feed_manage(request):
    """Create, renew or revoke one's private calendar feed. The secret URL is shown once."""
    membership = _membership(request)
    feed = selectors.calendar_feed_of(request.user)
    new_url = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke" and feed is not None:
            services.calendar_feed_revoke(membership=membership, feed=feed)
            feed = None
            messages.success(request, "Le lien de votre flux d'agenda est révoqué.")
        elif action == "create":
            feed, token = services.calendar_feed_create(membership=membership)
            new_url = request.build_absolute_uri(reverse("agenda:feed", args=[token]))
    return render(
        request,
        "agenda/feed.html",
        {
            "title": "Mon flux d'agenda (iCalendar)",
            "nav": "agenda",
            "feed": feed,
            "new_url": new_url,
        },
    )


@login_not_required
@require_GET
def feed(request, token: str):
    """A staff member's appointments from 30 days ago to 180 days ahead, for a calendar app.
    Authenticated by the secret token only (calendar apps cannot sign in)."""
    feed = selectors.calendar_feed_by_token(token)
    if feed is None or not feed.user.is_active:
        raise Http404("Flux inconnu ou révoqué.")
    appointments = selectors.feed_appointments(feed.user, today=timezone.localdate())
    services.calendar_feed_touch(feed)
    body = calendar.to_ics(appointments, name="Probatio — mes rendez-vous")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def person_appointments(request, pk: int):
    """The person's appointments, upcoming (soonest first) then past (most recent first), and
    the messages sent to them (latest first): three lists paged each by its own parameter,
    in a fixed number of queries whatever the history's size."""
    gated = person_get_for(request.membership, pk, log_read="rendez-vous")
    person = gated.person
    now = timezone.now()
    counts = selectors.appointments_tab_counts(person, now=now)
    upcoming = dossier_page(
        request,
        selectors.upcoming_appointments_of(person, now=now),
        param="a_venir",
        count=counts.upcoming,
        anchor="rendez-vous-a-venir",
    )
    past = dossier_page(
        request,
        selectors.past_appointments_of(person, now=now),
        param="passes",
        count=counts.past,
        anchor="rendez-vous-passes",
    )
    sent = dossier_page(
        request,
        selectors.messages_of_person(person),
        param="messages",
        count=counts.messages,
        anchor="messages",
    )
    listed = selectors.appointments_tab_rows(
        person, upcoming=upcoming, past=past, messages=sent, now=now
    )

    def row(a: Appointment) -> dict:
        is_own = any(u.pk == request.membership.user_id for u in a.staff.all())
        ga = selectors.GatedAppointment(appointment=a, gated=gated, is_own=is_own)
        return {
            "a": a,
            "can_outcome": ga.can_record_outcome,
            "messages": listed.by_appointment.get(a.pk, []),
        }

    return render(
        request,
        "agenda/person_appointments.html",
        dossier_context(
            gated,
            "appointments",
            counts=counts,
            upcoming_page=upcoming,
            upcoming=[row(a) for a in listed.upcoming],
            past_page=past,
            past=[row(a) for a in listed.past],
            messages_page=sent,
            sent_messages=listed.messages,
            incident_proposals=selectors.no_show_alerts(person),
            can_book=allows(request.membership.role, Action.BOOK_APPOINTMENT),
            can_record_unplanned=_may_record_unplanned(gated),
            now=now,
            current_path=request.get_full_path(),
        ),
    )


def _may_record_unplanned(gated) -> bool:
    """Who may record an interview held without an appointment: who books in their own agenda
    for this person and writes their notes (the service checks the same)."""
    own_agenda = PersonFacts(
        is_caseload=gated.facts.is_caseload, is_judge_file=gated.facts.is_judge_file, is_own=True
    )
    return gated.allows(Action.WRITE_NOTE) and allows(
        gated.role, Action.BOOK_APPOINTMENT, own_agenda
    )


@require_http_methods(["GET", "POST"])
def unplanned(request, pk: int):
    """Record an interview already held without an appointment, with its note."""
    membership = request.membership
    gated = person_get_for(
        membership, pk, action=Action.WRITE_NOTE, log_read="entretien non planifié"
    )
    if not _may_record_unplanned(gated):
        raise PermissionDenied(
            "Votre rôle ne permet pas d'enregistrer un entretien non planifié pour cette personne."
        )
    person = gated.person
    now = timezone.localtime()
    form = UnplannedInterviewForm(
        request.POST or None,
        initial={
            "day": now.date(),
            "start_time": (now - timedelta(hours=1)).time().replace(second=0, microsecond=0),
            "end_time": now.time().replace(second=0, microsecond=0),
            "place_kind": Appointment.PlaceKind.PRISON
            if dossier_context(gated, "appointments")["open_custody"]
            else Appointment.PlaceKind.SITE,
            "site": membership.site_id,
        },
        service_id=membership.service_id,
        person=person,
        role=membership.role,
    )
    if request.method == "POST" and form.is_valid():
        try:
            appointment = services.appointment_record_unplanned(
                gated=gated, data=form.service_data(), note=form.note_data()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                "Entretien non planifié enregistré comme honoré le "
                f"{rules.paris(appointment.starts_at):%d/%m/%Y à %H:%M}, avec sa note.",
            )
            return redirect("agenda:detail", appointment.pk)
    return render(
        request,
        "agenda/unplanned.html",
        dossier_context(
            gated,
            "appointments",
            form=form,
            cancel_url=reverse("agenda:person_list", args=[pk]),
            title=f"Enregistrer un entretien non planifié — {person}",
        ),
        status=400 if form.errors else 200,
    )


# The booking form's values a free slot's link (or a page's address) may carry over.
_CARRIED = ("kind", "measure", "place_kind", "site", "room", "day", "start_time", "end_time")


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _default_staff(membership, person) -> list[int]:
    """Who a booking starts with: the user when they hold appointments (a CPIP for their own
    person, a psychologist in their own agenda), else the person's CPIP."""
    if rules.holds_appointments(membership.role):
        return [membership.user_id]
    return [person.assigned_cpip_id] if person.assigned_cpip_id else []


def _staff_choices(request, membership, person, site_id):
    chosen = [
        pk
        for pk in map(_int_or_none, request.POST.getlist("staff") or request.GET.getlist("staff"))
        if pk
    ]
    also = tuple(
        chosen + ([membership.user_id] if rules.holds_appointments(membership.role) else [])
    )
    return selectors.booking_staff(membership.service_id, person, site_id=site_id, also_ids=also)


@require_http_methods(["GET", "POST"])
def book(request, pk: int):
    membership = request.membership
    gated = person_get_for(membership, pk, log_read="prise de rendez-vous")
    if not allows(membership.role, Action.BOOK_APPOINTMENT):
        raise PermissionDenied("Votre rôle ne permet pas de fixer des rendez-vous.")
    person = gated.person
    sites = sites_of(membership.service_id)
    initial = {
        "staff": _default_staff(membership, person),
        "place_kind": Appointment.PlaceKind.PRISON
        if dossier_context(gated, "appointments")["open_custody"]
        else Appointment.PlaceKind.SITE,
        "site": membership.site_id,
        "kind": Appointment.Kind.FIRST
        if not selectors.has_appointments(person)
        else Appointment.Kind.FOLLOW_UP,
        "day": open_day_from(
            timezone.localdate() + timedelta(days=7),
            site=next((s for s in sites if s.pk == membership.site_id), None),
            alsace_moselle=person.service.alsace_moselle,
        ),
    }
    # A free slot's link fills the form (its staff, place, date and times).
    initial.update({name: request.GET[name] for name in _CARRIED if request.GET.get(name)})
    if request.GET.getlist("staff"):
        initial["staff"] = [x for x in map(_int_or_none, request.GET.getlist("staff")) if x]
    site_id = _int_or_none(
        request.POST.get("site") if request.method == "POST" else initial.get("site")
    )
    staff_choices = _staff_choices(request, membership, person, site_id)
    form = BookingForm(
        request.POST or None,
        initial=initial,
        service_id=membership.service_id,
        person=person,
        staff_choices=staff_choices,
    )
    warnings = []
    if request.method == "POST" and form.is_valid():
        try:
            appointment = services.appointment_book(
                gated=gated,
                data=form.service_data(),
                staff=list(form.cleaned_data["staff"]),
                confirmed=form.cleaned_data["confirm"],
            )
        except services.NeedsConfirmation as exc:
            warnings = exc.warnings
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as exc:
            form.add_error("staff", str(exc))
        else:
            messages.success(
                request,
                f"Rendez-vous fixé le {rules.paris(appointment.starts_at):%d/%m/%Y à %H:%M}.",
            )
            return redirect("agenda:detail", appointment.pk)
    return render(
        request,
        "agenda/book.html",
        dossier_context(
            gated,
            "appointments",
            form=form,
            warnings=warnings,
            cancel_url=reverse("agenda:person_list", args=[pk]),
            slots_url=reverse("agenda:free_slots", args=[pk]),
            slots_query=_slots_query(initial),
            title=f"Fixer un rendez-vous — {person}",
        ),
        status=400 if form.errors or warnings else 200,
    )


def _slots_query(values: dict) -> str:
    """The free-slot search's address parameters from the booking form's values."""
    query = QueryDict(mutable=True)
    for name in ("site", "room", "kind", "measure", "place_kind"):
        if values.get(name):
            query[name] = str(values[name])
    staff = values.getlist("staff") if isinstance(values, QueryDict) else values.get("staff")
    query.setlist("staff", [str(pk) for pk in staff or []])
    return query.urlencode()


def _minutes_between(start: str | None, end: str | None, default: int = 45) -> int:
    """The length of a slot from the booking form's "HH:MM" times (``default`` without them,
    or when they are not in order)."""
    try:
        (h1, m1), (h2, m2) = (map(int, t.split(":")[:2]) for t in (start, end))
    except (AttributeError, ValueError):
        return default
    minutes = (h2 * 60 + m2) - (h1 * 60 + m1)
    return minutes if 0 < minutes <= 12 * 60 else default


FREE_SLOT_DAYS = 7  # the search covers this many days from the chosen one


@require_GET
def free_slots(request, pk: int):
    """The free slots of the chosen staff and room at the chosen site over the next days: open
    days and hours of the site, outside the planned appointments of the staff and the room.
    Each slot links to the booking form filled with it. A fixed number of queries whatever
    the number of appointments (one for the busy intervals, computed by ``rules.free_slots``).
    With htmx, the booking page shows the list in place."""
    membership = request.membership
    gated = person_get_for(membership, pk, log_read="créneaux libres")
    if not allows(membership.role, Action.BOOK_APPOINTMENT):
        raise PermissionDenied("Votre rôle ne permet pas de fixer des rendez-vous.")
    person = gated.person
    sites = sites_of(membership.service_id)
    rooms = [r for r in rooms_of(person.service) if r.is_active]
    params = request.GET.copy()
    if "staff" not in params:
        params.setlist("staff", [str(x) for x in _default_staff(membership, person)])
    if "site" not in params and membership.site_id:
        params["site"] = str(membership.site_id)
    if "duration" not in params:  # the booking form's times, when it sends them
        params["duration"] = str(_minutes_between(params.get("start_time"), params.get("end_time")))
    site_id = _int_or_none(params.get("site"))
    form = SlotSearchForm(
        params,
        staff_choices=_staff_choices(request, membership, person, site_id),
        sites=sites,
        rooms=rooms,
    )
    today = timezone.localdate()
    days, slots, searched = [], [], False
    if form.is_valid():
        data = form.cleaned_data
        staff, room, site = data["staff"], data["room"], data["site"] or None
        if room is not None and site is None:
            site = form.sites.get(room.site_id)
        first = max(data.get("day") or today, today)
        window = [first + timedelta(days=i) for i in range(FREE_SLOT_DAYS)]
        if staff or room:
            searched = True
            start, _ = rules.day_bounds(window[0])
            _, end = rules.day_bounds(window[-1])
            busy = selectors.busy_intervals(
                membership.service_id,
                staff_ids=[u.pk for u in staff],
                room_id=room.pk if room else None,
                start=start,
                end=end,
            )
            alsace = person.service.alsace_moselle
            # Nor a day the site is closed, nor one a chosen member of staff is away: the
            # booking would be refused (one query).
            blocked = selectors.blocked_days(
                membership.service_id,
                window[0],
                window[-1],
                site_id=site.pk if site else None,
                user_ids=[u.pk for u in staff],
            )

            def unavailable(day) -> bool:
                return day in blocked or bool(rules.holiday_name(day, alsace_moselle=alsace))

            slots = rules.free_slots(
                window,
                opening_hours=site.opening_hours if site else None,
                is_holiday=unavailable,
                busy=busy,
                duration=timedelta(minutes=data["duration"] or 45),
                now=timezone.now(),
            )
        carried = QueryDict(mutable=True)
        for name in ("kind", "measure", "place_kind"):
            if params.get(name):
                carried[name] = params[name]
        if site:
            carried["site"] = str(site.pk)
        if room:
            carried["room"] = str(room.pk)
        carried.setlist("staff", [str(u.pk) for u in staff])
        book_url = reverse("agenda:book", args=[pk])
        by_day: dict = {}
        for begins, ends in slots:
            local_start, local_end = rules.paris(begins), rules.paris(ends)
            link = carried.copy()
            link["day"] = local_start.date().isoformat()
            link["start_time"] = f"{local_start:%H:%M}"
            link["end_time"] = f"{local_end:%H:%M}"
            by_day.setdefault(local_start.date(), []).append(
                {"start": local_start, "end": local_end, "url": f"{book_url}?{link.urlencode()}"}
            )
        days = [
            {"date": d, "name": WEEKDAYS[d.weekday()], "slots": by_day.get(d, [])} for d in window
        ]
    context = {
        "carried_hidden": [
            (name, params[name]) for name in ("kind", "measure", "place_kind") if params.get(name)
        ],
        "slot_form": form,
        "slot_days": days,
        "searched": searched,
        "slot_count": len(slots),
        "slot_last": days[-1]["date"] if days else None,
        "slots_url": reverse("agenda:free_slots", args=[pk]),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "agenda/_free_slots.html", context)
    return render(
        request,
        "agenda/free_slots.html",
        dossier_context(
            gated,
            "appointments",
            **context,
            cancel_url=f"{reverse('agenda:book', args=[pk])}?{_slots_query(params)}",
            title=f"Créneaux libres — {person}",
        ),
    )
