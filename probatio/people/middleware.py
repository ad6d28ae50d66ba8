"""The address of a file absorbed by a merge leads to the file it was merged into.

The dossier gate raises ``selectors.FileMerged`` (a 404 for whoever does not catch it) when
the id asked for is a ``MergedFile`` of the membership's service. A page read (GET, HEAD) is
redirected to the same page of the kept file (``/personnes/12/notes/`` →
``/personnes/34/notes/``, query string kept); a form sent to the absorbed file (POST…) is not
replayed on another file: nothing is saved, the user is told so in French and sent to the
kept file.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse

from probatio.people.selectors import FileMerged


def _same_page(request, exception: FileMerged) -> str | None:
    """The page asked for, with the absorbed id replaced by the kept one (None when the id is
    not one of the path's arguments: the person was reached through another object)."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.view_name:
        return None
    kwargs = dict(match.kwargs)
    replaced = False
    for name, value in kwargs.items():
        if str(value) == str(exception.absorbed_id):
            kwargs[name] = exception.kept_id
            replaced = True
    if not replaced:
        return None
    try:
        url = reverse(match.view_name, args=match.args, kwargs=kwargs)
    except NoReverseMatch:
        return None
    query = request.META.get("QUERY_STRING", "")
    return f"{url}?{query}" if query else url


class MergedFileMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, FileMerged):
            return None
        kept = reverse("people:detail", args=[exception.kept_id])
        if request.method in ("GET", "HEAD"):
            return HttpResponseRedirect(_same_page(request, exception) or kept)
        messages.warning(
            request,
            f"Le dossier n° {exception.absorbed_id} a été fusionné dans le dossier "
            f"n° {exception.kept_id} : rien n'a été enregistré. Recommencez depuis ce dossier.",
        )
        return HttpResponseRedirect(kept, status=303)
