"""Files from the private storage, handed out only by a view that went through its gate."""

from django.http import FileResponse


def private_file(field_file, *, filename: str, content_type: str) -> FileResponse:
    """An attachment that no cache keeps."""
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "no-store"
    return response
