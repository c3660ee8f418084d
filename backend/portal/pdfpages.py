"""An agreement's PDF as page images (poppler's pdftoppm), so that a signer reads it on the phone without a download.

Images are cached through Django's storage API (default_storage) under page-cache/<pdf sha256>/: the same revision
is rendered once, on any storage backend (filesystem or an object store shared by several web machines). pdftoppm
needs local files, so it runs in a temporary directory and only the resulting PNG is stored."""

import hashlib
import io
import subprocess
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from pypdf import PdfReader

RESOLUTION = 110  # dpi: an A4 page is about 910 px wide, sharp on a phone and light to send
PDFTOPPM = "pdftoppm"
CACHE_FOLDER = "page-cache"
PNG_END = b"IEND\xaeB`\x82"  # the last chunk of every complete PNG


def page_cache_name(pdf: bytes, number: int) -> str:
    """The storage name of page `number` of `pdf` in the cache."""
    return f"{CACHE_FOLDER}/{hashlib.sha256(pdf).hexdigest()}/page-{number}.png"


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _render(pdf: bytes, number: int) -> bytes:
    with tempfile.TemporaryDirectory(prefix="xuetu-pages-") as work:
        source = Path(work) / "in.pdf"
        source.write_bytes(pdf)
        out = Path(work) / "out"
        subprocess.run(
            [
                PDFTOPPM,
                "-png",
                "-r",
                str(RESOLUTION),
                "-f",
                str(number),
                "-l",
                str(number),
                "-singlefile",
                str(source),
                str(out),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return out.with_suffix(".png").read_bytes()


def page_png(pdf: bytes, number: int) -> bytes:
    """Page `number` (1-based) as PNG. Raises IndexError for a page the document does not have."""
    if not 1 <= number <= page_count(pdf):
        raise IndexError(number)
    name = page_cache_name(pdf, number)
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as cached:
            image = cached.read()
        if image.endswith(PNG_END):  # not one another reader is still writing
            return image
        return _render(pdf, number)
    image = _render(pdf, number)
    # Two first readers may both render; the storage never overwrites, so the loser's copy gets another name and is
    # removed: the cached name keeps exactly one complete image.
    stored = default_storage.save(name, ContentFile(image))
    if stored != name:
        default_storage.delete(stored)
    return image
