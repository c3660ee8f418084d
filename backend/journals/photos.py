"""Photos attached to journals and visits: at most 5 MB, and really a JPEG, PNG or WebP image (Pillow reads it;
the name's extension and the browser's content type are not trusted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile

from backend.core.errors import ApplicationError
from backend.core.uploads import Refusal, validate_upload

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_COUNT = 6
PHOTO_KINDS = ("jpeg", "png", "webp")  # read by Pillow (backend.core.uploads, match="content")


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
    checked = validate_upload(
        upload,
        kinds=PHOTO_KINDS,
        max_bytes=PHOTO_MAX_BYTES,
        match="content",
        name_key="name",
        too_large=Refusal("PHOTO_TOO_LARGE", "照片不能超过 5MB", "a photo may not exceed 5 MB"),
        wrong_type=Refusal(
            "PHOTO_TYPE", "照片须为 JPG、PNG 或 WebP 图片", "a photo must be a JPG, PNG or WebP image"
        ),
    )
    return CheckedPhoto(
        upload=upload, content_type=checked.content_type, extension=checked.extension, size=checked.size
    )
