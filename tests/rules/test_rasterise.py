"""Rasterising an untrusted proof, without a database: PDF pages drawn as PNG images (the
first ones only, bounded in size), images decoded and re-encoded without their metadata, and
whatever does not decode refused (damaged PDF, HTML named .pdf, truncated image, bomb)."""

import io
import random
import struct
import zlib

import pytest
from PIL import Image
from weasyprint import HTML

from probatio.compliance import rasterise

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def pdf_of(pages: int) -> bytes:
    body = "".join(
        f'<section style="page-break-after: always"><h1>Page {n}</h1></section>'
        for n in range(1, pages + 1)
    )
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def jpeg_with_exif() -> bytes:
    """A 400×200 photo from a phone held upright: EXIF orientation 6 (turn 90°), a maker."""
    image = Image.new("RGB", (400, 200), "navy")
    exif = image.getexif()
    exif[0x010F] = "TelephoneDeLaPersonne"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def noise_png() -> bytes:
    """A photo-like PNG (noise does not compress), about 120 kB."""
    out = io.BytesIO()
    Image.frombytes("RGB", (200, 200), random.Random(7).randbytes(120_000)).save(out, "PNG")
    return out.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG that announces a huge picture in a few bytes (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_MAGIC
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_a_pdf_gives_its_first_three_pages_as_png_within_the_size_bound():
    images, total = rasterise.rasterise(pdf_of(5))
    assert total == 5 and len(images) == 3
    for png in images:
        assert png.startswith(PNG_MAGIC)
        with Image.open(io.BytesIO(png)) as page:
            assert max(page.size) == rasterise.MAX_SIDE  # A4, its height fitted
            assert page.width < page.height
            assert page.getpixel((5, 5)) == (255, 255, 255)  # drawn on white


def test_a_short_pdf_gives_all_its_pages():
    images, total = rasterise.rasterise(pdf_of(2), max_pages=3, max_side=400)
    assert (len(images), total) == (2, 2)
    with Image.open(io.BytesIO(images[0])) as page:
        assert max(page.size) == 400


def test_an_image_is_re_encoded_as_png_upright_and_without_its_exif():
    source = jpeg_with_exif()
    assert b"TelephoneDeLaPersonne" in source
    images, total = rasterise.rasterise(source)
    assert total == 1 and len(images) == 1
    png = images[0]
    assert png.startswith(PNG_MAGIC)
    assert b"TelephoneDeLaPersonne" not in png and b"Exif" not in png and b"eXIf" not in png
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (200, 400)  # turned as the phone said, then the EXIF dropped
        assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info


def test_a_large_image_is_scaled_down_and_a_transparent_one_put_on_white():
    source = io.BytesIO()
    Image.new("RGBA", (3000, 1000), (0, 0, 0, 0)).save(source, format="PNG")
    (png,), _ = rasterise.rasterise(source.getvalue())
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (rasterise.MAX_SIDE, 533) and image.mode == "RGB"
        assert image.getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"<html><body>Bulletin de salaire</body></html>", id="html"),
        pytest.param(b"%PDF-1.7\n<html><script>alert(1)</script></html>", id="html-as-pdf"),
        pytest.param(pdf_of(1)[:200], id="truncated-pdf"),
        pytest.param(noise_png()[:20_000], id="truncated-png"),
        pytest.param(jpeg_with_exif()[:300], id="truncated-jpeg"),
        pytest.param(png_header_claiming(100_000, 100_000), id="bomb-for-pillow"),
        pytest.param(png_header_claiming(10_000, 5_000), id="bomb-over-our-bound"),
        pytest.param(b"GIF89a" + b"\x00" * 40, id="gif"),
    ],
)
def test_what_does_not_decode_is_unreadable(content):
    with pytest.raises(rasterise.Unreadable):
        rasterise.rasterise(content)
