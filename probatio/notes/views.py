from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action, NoteAccess
from probatio.core.context_processors import SAVED_DRAFT_SESSION_KEY
from probatio.core.errors import keeps_draft
from probatio.core.forms import apply_errors
from probatio.core.paging import paginate
from probatio.notes import services
from probatio.notes.forms import NoteForm
from probatio.notes.models import NoteDraft
from probatio.notes.selectors import (
    PLACE_SLUGS,
    access_to,
    draft_form_values,
    drafts_of,
    note_get,
    notes_by_pk,
)
from probatio.people.selectors import log_person_read, person_get_for, timeline_for
from probatio.people.views import dossier_context

Place = NoteDraft.Place

SLUG_PLACES = {slug: place for place, slug in PLACE_SLUGS.items()}


def draft_key(request, place: str, place_id, person_pk: int) -> str:
    """The key of the tab's copy of a draft (``probatio.js``), one per place and author."""
    if place == Place.NOTE:
        return f"probatio-note-{person_pk}-{request.user.pk}"
    return f"probatio-draft-{place}-{place_id}-{person_pk}-{request.user.pk}"


def drafting(request, gated, place: str, place_id) -> dict:
    """What a page holding a form that keeps a draft passes to its template: the author's
    draft in this place (``draft``, and ``draft_values`` for the form's initial values), the
    URLs of its autosave and of its discard, the key of the tab's copy, and the author's
    drafts elsewhere on this person (``other_drafts``, « Brouillons en cours »)."""
    pk = gated.person.pk
    args = [pk, PLACE_SLUGS[place], place_id]
    here, elsewhere = None, []
    for link in drafts_of(gated):
        if (link.draft.place_kind, link.draft.place_id) == (place, str(place_id)):
            here = link.draft
        else:
            elsewhere.append(link)
    return {
        "draft": here,
        "draft_values": draft_form_values(here, services.PLACE_FIELDS.get(place, {})),
        "autosave_url": reverse("notes:autosave", args=[pk])
        if place == Place.NOTE
        else reverse("notes:draft_save", args=args),
        "discard_url": reverse("notes:draft_discard", args=args) + f"?suivant={request.path}",
        "draft_key": draft_key(request, place, place_id, pk),
        "other_drafts": elsewhere,
    }


def draft_saved(request, gated, place: str, place_id) -> None:
    """After the place's text is saved for good: the next page tells the tab to drop its copy."""
    request.session[SAVED_DRAFT_SESSION_KEY] = draft_key(request, place, place_id, gated.person.pk)


@require_GET
def person_timeline(request, pk: int):
    gated = person_get_for(request.membership, pk, log_read="chronologie")
    person = gated.person
    page = paginate(request, timeline_for(person), per_page=30)
    note_ids = [e.object_id for e in page if e.kind == "note" and e.object_id]
    notes = notes_by_pk(person, note_ids)
    rows = []
    for event in page:
        note = notes.get(event.object_id) if event.kind == "note" else None
        rows.append(
            {
                "event": event,
                "note": note,
                "note_access": access_to(note, request.membership, person).value if note else "",
            }
        )
    drafts = drafts_of(gated)
    return render(
        request,
        "notes/timeline.html",
        dossier_context(gated, "timeline", page=page, rows=rows, drafts=drafts),
    )


@keeps_draft("notes:create")
@require_http_methods(["GET", "POST"])
def note_create(request, pk: int):
    gated = person_get_for(
        request.membership,
        pk,
        action=Action.WRITE_NOTE,
        log_read="formulaire de note",
    )
    role = request.membership.role
    drafts = drafting(request, gated, Place.NOTE, pk)
    if request.method == "POST":
        form = NoteForm(request.POST, role=role)
    else:
        initial = {"interview_date": timezone.localdate(), **drafts["draft_values"]}
        form = NoteForm(initial=initial, role=role)
    if request.method == "POST" and form.is_valid():
        try:
            services.note_create(gated=gated, data=form.cleaned_data, draft_place=(Place.NOTE, pk))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            draft_saved(request, gated, Place.NOTE, pk)
            messages.success(request, "Note enregistrée ; elle apparaît dans la chronologie.")
            return redirect("notes:timeline", pk)
    return render(
        request,
        "notes/note_form.html",
        dossier_context(
            gated,
            "timeline",
            form=form,
            **drafts,
            cancel_url=reverse("notes:timeline", args=[pk]),
        ),
        status=400 if form.errors else 200,
    )


def _posted_draft(request, place: str) -> dict:
    """The posted fields of a place's form; a note's date as its form reads it; a form kept
    whole (the assessment's) as posted, the service keeping its own fields."""
    if place in services.FORM_FIELDS:
        return request.POST
    data = {name: request.POST.get(name, "") for name in services.PLACE_FIELDS[place]}
    if place in (Place.NOTE, Place.APPOINTMENT):
        data["confidential"] = request.POST.get("confidential") in ("on", "true", "1")
        form = NoteForm(request.POST, role=request.membership.role)
        form.is_valid()
        data["interview_date"] = form.cleaned_data.get("interview_date")
    return data


def _place_of(slug: str) -> str:
    if slug not in SLUG_PLACES:
        raise Http404("Lieu de rédaction inconnu.")
    return SLUG_PLACES[slug]


def _saved(draft) -> JsonResponse:
    return JsonResponse({"saved_at": timezone.localtime(draft.updated_at).strftime("%H:%M:%S")})


@require_POST
def note_autosave(request, pk: int):
    """Called by the page every few seconds while the author types (JSON answer): the draft
    of the person's note form."""
    gated = person_get_for(request.membership, pk, action=Action.WRITE_NOTE)
    data = _posted_draft(request, Place.NOTE)
    return _saved(services.draft_save(gated=gated, data=data, place=Place.NOTE, place_id=pk))


@require_POST
def draft_save(request, pk: int, place: str, place_id: str):
    """The autosave of a form elsewhere than the person's note form (an appointment's note,
    a refusal or dismissal reason, the judge's answer), through the same dossier gate with
    that form's action: another service's person is a 404, a role without it a 403."""
    place = _place_of(place)
    gated = person_get_for(request.membership, pk, action=services.PLACE_ACTIONS[place])
    data = _posted_draft(request, place)
    try:
        draft = services.draft_save(gated=gated, data=data, place=place, place_id=place_id)
    except ValidationError as error:  # too long to keep: the page says so, the tab keeps it
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return _saved(draft)


@require_POST
def draft_discard(request, pk: int, place: str, place_id: str):
    """« Supprimer le brouillon »: this place's draft only; back to where the user was."""
    place = _place_of(place)
    gated = person_get_for(request.membership, pk, action=services.PLACE_ACTIONS[place])
    if services.draft_discard(gated=gated, place=place, place_id=place_id):
        messages.success(request, "Brouillon supprimé.")
    else:
        messages.info(request, "Il n'y avait pas de brouillon à supprimer.")
    draft_saved(request, gated, place, place_id)
    target = request.GET.get("suivant", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("notes:timeline", args=[pk])
    return redirect(target)


@require_http_methods(["GET", "POST"])
def note_edit(request, pk: int, note_id: int):
    gated = person_get_for(
        request.membership,
        pk,
        action=Action.WRITE_NOTE,
        log_read=f"modification de la note {note_id}",
    )
    note = note_get(gated.person, note_id)
    if note.author_id != request.membership.user_id:
        raise PermissionDenied("Seul l'auteur peut modifier une note.")
    initial = {f: getattr(note, f) for f in services.DRAFT_FIELDS}
    form = NoteForm(request.POST or None, initial=initial, role=request.membership.role)
    if request.method == "POST" and form.is_valid():
        try:
            services.note_update(gated=gated, note=note, data=form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Note corrigée.")
            return redirect("notes:detail", pk, note.pk)
    return render(
        request,
        "notes/note_form.html",
        dossier_context(
            gated,
            "timeline",
            form=form,
            editing=note,
            cancel_url=reverse("notes:detail", args=[pk, note.pk]),
        ),
        status=400 if form.errors else 200,
    )


@require_GET
def note_detail(request, pk: int, note_id: int):
    gated = person_get_for(request.membership, pk, action=Action.READ_FILE)
    note = note_get(gated.person, note_id, with_author=True)
    if access_to(note, request.membership, gated.person) is not NoteAccess.FULL:
        raise PermissionDenied("Cette note est réservée.")
    log_person_read(request.membership, gated.person, f"note {note_id}", document=note)
    return render(request, "notes/note_detail.html", dossier_context(gated, "timeline", note=note))
