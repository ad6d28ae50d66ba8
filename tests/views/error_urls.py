"""The project's URLs and error handlers, plus views that fail on purpose: the error pages'
tests use this URLconf (``pytest.mark.urls``)."""

from django.db import OperationalError
from django.urls import path

from config import urls as project
from probatio.core.errors import keeps_draft


def broken(request):
    raise RuntimeError("panne simulée pour les tests")


def broken_note_form(request, pk: int):
    """Receives the note form (which keeps a draft), then fails."""
    raise RuntimeError("panne simulée pour les tests")


def locked(request):
    """A database error that is not a refusal to write: it stays a server error."""
    raise OperationalError("database is locked")


urlpatterns = [
    path("essai/panne/", broken),
    path("essai/personnes/<int:pk>/note/", keeps_draft("notes:create")(broken_note_form)),
    path("essai/verrou/", locked),
    *project.urlpatterns,
]

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500
