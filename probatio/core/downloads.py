"""Files from the private storage, handed out only by a view that went through its gate."""

from django.http import FileResponse, HttpResponse


def private_file(field_file, *, filename: str, content_type: str) -> FileResponse:
    """An attachment that no cache keeps."""
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "no-store"
    return response


def private_image(content: bytes) -> HttpResponse:
    """A PNG drawn on the server (a preview of a private file), shown in the page only: the
    browser may not guess another type, and no cache, shared or the browser's, keeps it."""
    response = HttpResponse(content, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
