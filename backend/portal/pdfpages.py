"""An agreement's PDF as page images (poppler's pdftoppm), so that a signer reads it on the phone without a download.

Images are cached on disk under MEDIA_ROOT/page-cache/<pdf sha256>/: the same revision is rendered once."""

import hashlib
import io
import os
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from pypdf import PdfReader

RESOLUTION = 110  # dpi: an A4 page is about 910 px wide, sharp on a phone and light to send
PDFTOPPM = "pdftoppm"


def _cache_dir(pdf: bytes) -> Path:
    return Path(settings.MEDIA_ROOT) / "page-cache" / hashlib.sha256(pdf).hexdigest()


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def page_png(pdf: bytes, number: int) -> bytes:
    """Page `number` (1-based) as PNG. Raises IndexError for a page the document does not have."""
    if not 1 <= number <= page_count(pdf):
        raise IndexError(number)
    target = _cache_dir(pdf) / f"page-{number}.png"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as work:
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
            os.replace(out.with_suffix(".png"), target)  # atomic: a concurrent reader sees all or nothing
    return target.read_bytes()
