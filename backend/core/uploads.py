"""One check for every uploaded file: its size, and its type read from its bytes (the browser's content type is
never trusted, and the name's extension only as far as the caller asks).

A caller names the kinds it takes, its own size limit and the two refusals it answers with (its rule codes and
texts), so each upload keeps its own limits and messages while the checking is written once:

    checked = validate_upload(upload, kinds=("pdf", "jpeg", "png"), max_bytes=5 * MB,
                              too_large=Refusal(...), wrong_type=Refusal(...))
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

from backend.core.errors import ApplicationError

MB = 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    """A type of file: the extensions its name may carry, the bytes it begins with, and (for images) the format
    Pillow reads it as."""

    extensions: tuple[str, ...]
    magic: bytes
    content_type: str
    image_format: str = ""


KINDS: dict[str, FileKind] = {
    "pdf": FileKind((".pdf",), b"%PDF-", "application/pdf"),
    "jpeg": FileKind((".jpg", ".jpeg"), b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    "png": FileKind((".png",), b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    "webp": FileKind((".webp",), b"RIFF", "image/webp", "WEBP"),
    "docx": FileKind(
        (".docx",), b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
}


@dataclass(frozen=True)
class Refusal:
    """How one caller refuses a file: its rule code and its texts (Chinese, English)."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class CheckedUpload:
    upload: UploadedFile
    data: bytes
    kind: str
    content_type: str
    extension: str  # without the dot: "pdf", "jpg", "png", ...
    size: int


def extension_of(name: str | None) -> str:
    """The name's extension, lower case, with its dot ("" when there is none)."""
    name = (name or "").lower()
    return name[name.rfind(".") :] if "." in name else ""


def validate_upload(
    upload: UploadedFile,
    *,
    kinds: tuple[str, ...],
    max_bytes: int,
    too_large: Refusal,
    wrong_type: Refusal,
    match: Literal["name", "content"] = "name",
    refuse_empty: bool = False,
    name_key: str | None = None,
) -> CheckedUpload:
    """The checked file, or an ApplicationError (the one error shape) with the caller's refusal.

    - Over `max_bytes` (or of unknown size, or empty with `refuse_empty`): `too_large`, details max_bytes.
    - match="name": the name's extension must be one of the kinds' and the bytes must begin as that kind does
      (a renamed .exe is refused); details list the allowed extensions.
    - match="content": the name is ignored; Pillow must read the bytes as one of the kinds' image formats and
      verify them; details list the allowed content types.
    `name_key` adds the file's name to the details under that key."""
    size = upload.size
    if size is None or size > max_bytes or (refuse_empty and size == 0):
        raise _refused(too_large, upload, name_key, max_bytes=max_bytes)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    accepted = [KINDS[k] for k in kinds]
    if match == "content":
        found = _image_kind(data, kinds)
        if found is None:
            raise _refused(wrong_type, upload, name_key, allowed=sorted(k.content_type for k in accepted))
        kind, extension = found, KINDS[found].extensions[0]
    else:
        extension = extension_of(upload.name)
        matching = [k for k in kinds if extension in KINDS[k].extensions and data.startswith(KINDS[k].magic)]
        if not matching:
            allowed = sorted(e for k in accepted for e in k.extensions)
            raise _refused(wrong_type, upload, name_key, allowed=allowed)
        kind = matching[0]
    return CheckedUpload(
        upload=upload,
        data=data,
        kind=kind,
        content_type=KINDS[kind].content_type,
        extension=extension.lstrip("."),
        size=len(data),
    )


def _image_kind(data: bytes, kinds: tuple[str, ...]) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    return next((k for k in kinds if KINDS[k].image_format and KINDS[k].image_format == fmt), None)


def _refused(
    refusal: Refusal, upload: UploadedFile, name_key: str | None, **details: object
) -> ApplicationError:
    if name_key:
        details[name_key] = upload.name
    return ApplicationError(refusal.code, refusal.zh, refusal.en, details=details)
