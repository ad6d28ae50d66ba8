from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action, NoteAccess
from probatio.core.context_processors import SAVED_DRAFT_SESSION_KEY
from probatio.core.errors import keeps_draft
from probatio.core.forms import apply_errors
from probatio.core.paging import paginate
from probatio.notes import services
from probatio.notes.forms import NoteForm
from probatio.notes.selectors import access_to, note_get, notes_by_pk
from probatio.people.selectors import person_get_for, timeline_for
from probatio.people.views import dossier_context


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
    return render(
        request,
        "notes/timeline.html",
        dossier_context(gated, "timeline", page=page, rows=rows),
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
    draft = services.draft_get(gated=gated)
    if request.method == "POST":
        form = NoteForm(request.POST, role=role)
    else:
        initial = {"interview_date": timezone.localdate()}
        if draft is not None:
            initial.update(
                {
                    f: getattr(draft, f)
                    for f in services.DRAFT_FIELDS
                    if getattr(draft, f) not in (None, "")
                }
            )
        form = NoteForm(initial=initial, role=role)
    if request.method == "POST" and form.is_valid():
        try:
            services.note_create(gated=gated, data=form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            request.session[SAVED_DRAFT_SESSION_KEY] = (
                f"probatio-note-{gated.person.pk}-{request.user.pk}"
            )
            messages.success(request, "Note enregistrée ; elle apparaît dans la chronologie.")
            return redirect("notes:timeline", pk)
    return render(
        request,
        "notes/note_form.html",
        dossier_context(
            gated,
            "timeline",
            form=form,
            draft=draft,
            autosave_url=reverse("notes:autosave", args=[pk]),
            cancel_url=reverse("notes:timeline", args=[pk]),
        ),
        status=400 if form.errors else 200,
    )


@require_POST
def note_autosave(request, pk: int):
    """Called by the page every few seconds while the author types (JSON answer)."""
    gated = person_get_for(request.membership, pk, action=Action.WRITE_NOTE)
    data = {
        "interview_date": None,
        "subject": request.POST.get("subject", ""),
        "body": request.POST.get("body", ""),
        "confidential": request.POST.get("confidential") in ("on", "true", "1"),
        "restricted_to": request.POST.get("restricted_to", ""),
    }
    form = NoteForm(request.POST, role=request.membership.role)
    form.is_valid()
    data["interview_date"] = form.cleaned_data.get("interview_date")
    draft = services.draft_save(gated=gated, data=data)
    return JsonResponse({"saved_at": timezone.localtime(draft.updated_at).strftime("%H:%M:%S")})


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
    gated = person_get_for(
        request.membership, pk, action=Action.READ_FILE, log_read=f"note {note_id}"
    )
    note = note_get(gated.person, note_id, with_author=True)
    if access_to(note, request.membership, gated.person) is not NoteAccess.FULL:
        raise PermissionDenied("Cette note est réservée.")
    return render(request, "notes/note_detail.html", dossier_context(gated, "timeline", note=note))
