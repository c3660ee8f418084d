"""Photos attached to journals and visits: at most 5 MB, and really a JPEG, PNG or WebP image (Pillow reads it;
the name's extension and the browser's content type are not trusted)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

from backend.core.errors import ApplicationError

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_COUNT = 6
PHOTO_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True)
class CheckedPhoto:
    upload: UploadedFile
    content_type: str
    extension: str
    size: int


def photos_check(uploads: Sequence[UploadedFile]) -> list[CheckedPhoto]:
    """Every photo checked before anything is written: one refused photo refuses the whole submission."""
    if len(uploads) > PHOTO_MAX_COUNT:
        raise ApplicationError(
            "PHOTO_TOO_MANY",
            f"最多上传 {PHOTO_MAX_COUNT} 张照片",
            f"at most {PHOTO_MAX_COUNT} photos",
            details={"max": PHOTO_MAX_COUNT},
        )
    return [_check(upload) for upload in uploads]


def _check(upload: UploadedFile) -> CheckedPhoto:
    size = upload.size or 0
    if size > PHOTO_MAX_BYTES:
        raise ApplicationError(
            "PHOTO_TOO_LARGE",
            "照片不能超过 5MB",
            "a photo may not exceed 5 MB",
            details={"max_bytes": PHOTO_MAX_BYTES, "name": upload.name},
        )
    data = upload.read(PHOTO_MAX_BYTES + 1)
    upload.seek(0)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _type_error(upload) from exc
    if fmt not in PHOTO_TYPES:
        raise _type_error(upload)
    content_type, extension = PHOTO_TYPES[fmt]
    return CheckedPhoto(upload=upload, content_type=content_type, extension=extension, size=len(data))


def _type_error(upload: UploadedFile) -> ApplicationError:
    return ApplicationError(
        "PHOTO_TYPE",
        "照片须为 JPG、PNG 或 WebP 图片",
        "a photo must be a JPG, PNG or WebP image",
        details={"allowed": sorted(t for t, _e in PHOTO_TYPES.values()), "name": upload.name},
    )
