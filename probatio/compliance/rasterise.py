"""Rasterising an untrusted proof (a PDF, a JPEG or a PNG the person handed in) into PNG images.

The file is the person's: it is decoded here, never shown to the browser as it is. PDF pages
are drawn by PDFium (pypdfium2, no JavaScript, no network), images decoded and re-encoded by
Pillow; every image out is a fresh PNG with no metadata (no EXIF, no ICC profile, no text
chunks). The work is bounded: the first ``MAX_PAGES`` pages, ``MAX_SIDE`` pixels on the
longest side, ``MAX_SOURCE_PIXELS`` for a source image (decompression bombs).

``previews.py`` runs this module as a script in a child process (``python -I rasterise.py``,
the file on standard input), with a memory and CPU limit and a timeout, so that a hostile or
broken file can neither crash nor stall the web process. It imports nothing from Probatio nor
Django. Output: one JSON line (``{"total": pages, "sizes": [[w, h, bytes], ...]}``) then the
PNG images one after the other; exit status 3 when the file cannot be read.
"""

import io
import json
import sys

MAX_PAGES = 3
MAX_SIDE = 1600  # pixels, the longest side of a preview image
MAX_SOURCE_PIXELS = 40_000_000  # a larger source image is refused (decompression bomb)
MIN_POINTS = 1.0  # a PDF page thinner than this (in points) cannot be drawn

UNREADABLE_EXIT = 3


class Unreadable(Exception):
    """The content cannot be read as a PDF, a JPEG or a PNG."""


def kind_of(content: bytes) -> str | None:
    """The real type, from the content (as the upload check reads it), never from a name."""
    import filetype

    guessed = filetype.guess(content)
    return {"application/pdf": "pdf", "image/jpeg": "JPEG", "image/png": "PNG"}.get(
        guessed.mime if guessed else ""
    )


def rasterise(
    content: bytes, *, max_pages: int = MAX_PAGES, max_side: int = MAX_SIDE
) -> tuple[list[bytes], int]:
    """(PNG images of the first pages, number of pages of the document)."""
    kind = kind_of(content)
    if kind == "pdf":
        return _pdf(content, max_pages=max_pages, max_side=max_side)
    if kind in ("JPEG", "PNG"):
        return [_image(content, kind, max_side=max_side)], 1
    raise Unreadable


def _pdf(content: bytes, *, max_pages: int, max_side: int) -> tuple[list[bytes], int]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(content)
    except pdfium.PdfiumError as error:  # not a PDF, damaged beyond repair, encrypted
        raise Unreadable from error
    try:
        total = len(document)
        if total < 1:
            raise Unreadable
        images = []
        for index in range(min(total, max_pages)):
            page = document[index]
            try:
                width, height = page.get_size()
                if min(width, height) < MIN_POINTS:
                    raise Unreadable
                # The longest side fits max_side, and a small page is not blown up past 2×.
                scale = min(max_side / max(width, height), 2.0)
                bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
                images.append(_png(bitmap.to_pil()))
            finally:
                page.close()
        return images, total
    except pdfium.PdfiumError as error:
        raise Unreadable from error
    finally:
        document.close()


def _image(content: bytes, kind: str, *, max_side: int) -> bytes:
    from PIL import Image, ImageFile, ImageOps

    # A truncated image is unreadable here, whatever another library of the same process set
    # (WeasyPrint lets Pillow fill in truncated images).
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(io.BytesIO(content), formats=[kind]) as image:
            width, height = image.size
            if width * height > MAX_SOURCE_PIXELS or min(width, height) < 1:
                raise Unreadable
            image.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale
            image.load()
            upright = ImageOps.exif_transpose(image)  # a phone photo shown the right way up
            if upright.mode not in ("RGB", "L"):
                background = Image.new("RGB", upright.size, "white")
                rgba = upright.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                upright = background
            upright.thumbnail((max_side, max_side))
            return _png(upright)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise Unreadable from error
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def sanitise(content: bytes) -> bytes:
    """The file to store for an upload, once its structure is read: a PDF must open and have a
    page (it is kept as it is: the caller checks that nothing follows its last ``%%EOF``); an
    image must decode whole and is re-encoded in its own format from its pixels alone, upright,
    which drops anything appended to it and its metadata (EXIF, GPS position, comments)."""
    kind = kind_of(content)
    if kind == "pdf":
        _pdf(content, max_pages=1, max_side=32)  # opens, has a page, draws (tiny)
        return content
    if kind not in ("JPEG", "PNG"):
        raise Unreadable
    from PIL import Image, ImageFile, ImageOps

    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(io.BytesIO(content), formats=[kind]) as image:
            width, height = image.size
            if width * height > MAX_SOURCE_PIXELS or min(width, height) < 1:
                raise Unreadable
            image.load()
            upright = ImageOps.exif_transpose(image)
            mode = upright.mode
            if kind == "JPEG" and mode not in ("RGB", "L"):
                mode = "RGB"
            elif kind == "PNG" and mode not in ("RGB", "RGBA", "L", "LA"):
                mode = "RGBA" if "A" in mode or "transparency" in upright.info else "RGB"
            pixels = upright.convert(mode)
            clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
            out = io.BytesIO()
            if kind == "JPEG":
                clean.save(out, format="JPEG", quality=90)
            else:
                clean.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise Unreadable from error
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def _png(image) -> bytes:
    """A fresh PNG of the pixels alone: nothing of the source's metadata goes out."""
    from PIL import Image

    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    clean.save(out, format="PNG")
    return out.getvalue()


def _limit_resources(memory_bytes: int, cpu_seconds: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))


def main(argv: list[str]) -> int:
    """The child process: ``rasterise.py MEMORY_BYTES CPU_SECONDS MAX_PAGES MAX_SIDE``, or
    ``rasterise.py sanitise MEMORY_BYTES CPU_SECONDS`` (the file to store, on standard
    output)."""
    from PIL import Image

    if argv[1:2] == ["sanitise"]:
        memory, cpu = (int(value) for value in argv[2:4])
        _limit_resources(memory, cpu)
        Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS
        try:
            clean = sanitise(sys.stdin.buffer.read())
        except (Unreadable, MemoryError):
            return UNREADABLE_EXIT
        sys.stdout.buffer.write(clean)
        sys.stdout.buffer.flush()
        return 0
    memory, cpu, max_pages, max_side = (int(value) for value in argv[1:5])
    _limit_resources(memory, cpu)
    Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS  # Pillow's own guard, this process only
    content = sys.stdin.buffer.read()
    try:
        images, total = rasterise(content, max_pages=max_pages, max_side=max_side)
    except (Unreadable, MemoryError):
        return UNREADABLE_EXIT
    sizes = []
    for png in images:
        with Image.open(io.BytesIO(png)) as image:
            sizes.append([image.width, image.height, len(png)])
    out = sys.stdout.buffer
    out.write(json.dumps({"total": total, "sizes": sizes}).encode() + b"\n")
    for png in images:
        out.write(png)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
