"""What a signature looks like on the sealed PDF: the company's and the school's named signatory and seal image,
and the signature each party draws on the screen.

Images are checked here before anything is written: PNG only, bounded in bytes and pixels, not blank; and they are
re-encoded with Pillow, so that what is stored and stamped is a plain PNG whatever the upload carried.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from backend.accounts.models import Role
from backend.companies.models import Company, SignatoryTitle
from backend.core.audit import audit_record
from backend.core.errors import ApplicationError
from backend.schools.models import School

from . import agreement_source as source
from .models import Party, SignatureRequest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = "data:image/png;base64,"

DRAWING_MAX_BYTES = 300_000
DRAWING_MIN_SIZE = (100, 40)  # width, height in pixels
DRAWING_MAX_SIZE = (2000, 1000)
DRAWING_MIN_INK = 0.002  # share of the pixels that carry ink: below it the pad was left (almost) empty

# What is stored (and stamped at sealing) is at most this large: enough for print at the size the PDF shows them,
# and it bounds the cost of sealing whatever was uploaded.
DRAWING_STORED_SIZE = (800, 400)
SEAL_STORED_SIZE = (600, 600)

SEAL_MAX_BYTES = 1_000_000
SEAL_MIN_SIZE = (100, 100)
SEAL_MAX_SIZE = (2000, 2000)


def _png_or_raise(
    data: bytes, *, what: str, max_bytes: int, min_size: tuple[int, int], max_size: tuple[int, int]
) -> Image.Image:
    zh, en, code = {
        "drawing": ("手写签名", "drawn signature", "SIGNATURE_DRAWING_INVALID"),
        "seal": ("印章图片", "seal image", "SEAL_IMAGE_INVALID"),
    }[what]
    if len(data) > max_bytes:
        raise ApplicationError(
            code,
            f"{zh}文件过大（不超过 {max_bytes // 1000} KB）",
            f"the {en} is too large (at most {max_bytes // 1000} KB)",
            details={"bytes": len(data), "max_bytes": max_bytes},
        )
    if not data.startswith(PNG_MAGIC):
        raise ApplicationError(code, f"{zh}必须是 PNG 图片", f"the {en} must be a PNG image")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.format != "PNG":
            raise ApplicationError(code, f"{zh}必须是 PNG 图片", f"the {en} must be a PNG image")
        width, height = image.size
        if not (min_size[0] <= width <= max_size[0] and min_size[1] <= height <= max_size[1]):
            raise ApplicationError(
                code,
                f"{zh}尺寸不符（{min_size[0]}×{min_size[1]} 至 {max_size[0]}×{max_size[1]} 像素）",
                f"the {en} must be between {min_size[0]}x{min_size[1]} and {max_size[0]}x{max_size[1]} pixels",
                details={"width": width, "height": height},
            )
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ApplicationError(code, f"{zh}无法读取", f"the {en} cannot be read") from exc
    return image.convert("RGBA")


def _encode(image: Image.Image, largest: tuple[int, int]) -> bytes:
    if image.width > largest[0] or image.height > largest[1]:
        image = image.copy()
        image.thumbnail(largest, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _ink_share(image: Image.Image) -> float:
    """The share of pixels that are visibly drawn: opaque enough and darker than paper."""
    alpha = image.getchannel("A").point(lambda a: 255 if a > 64 else 0)
    dark = image.convert("L").point(lambda v: 255 if v < 200 else 0)
    inked = Image.composite(dark, Image.new("L", image.size, 0), alpha)
    histogram = inked.histogram()
    return histogram[255] / (image.width * image.height)


def drawing_from_data_url(value: str) -> bytes:
    """The PNG drawn on the signing page's pad, as the form posts it (a data: URL), checked and re-encoded."""
    text = (value or "").strip()
    if not text:
        raise ApplicationError(
            "SIGNATURE_DRAWING_REQUIRED", "请在签名框内手写签名", "draw your signature in the box"
        )
    if not text.startswith(DATA_URL_PREFIX):
        raise ApplicationError(
            "SIGNATURE_DRAWING_INVALID", "手写签名必须是 PNG 图片", "the drawn signature must be a PNG image"
        )
    encoded = text[len(DATA_URL_PREFIX) :]
    if len(encoded) > DRAWING_MAX_BYTES * 4 // 3 + 4:
        raise ApplicationError(
            "SIGNATURE_DRAWING_INVALID",
            f"手写签名文件过大（不超过 {DRAWING_MAX_BYTES // 1000} KB）",
            f"the drawn signature is too large (at most {DRAWING_MAX_BYTES // 1000} KB)",
        )
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApplicationError(
            "SIGNATURE_DRAWING_INVALID", "手写签名无法读取", "the drawn signature cannot be read"
        ) from exc
    image = _png_or_raise(
        data,
        what="drawing",
        max_bytes=DRAWING_MAX_BYTES,
        min_size=DRAWING_MIN_SIZE,
        max_size=DRAWING_MAX_SIZE,
    )
    if _ink_share(image) < DRAWING_MIN_INK:
        raise ApplicationError(
            "SIGNATURE_DRAWING_BLANK",
            "签名框是空白的，请手写签名",
            "the signature box is blank; draw your signature",
        )
    return _encode(image, DRAWING_STORED_SIZE)


def seal_from_upload(data: bytes) -> bytes:
    """An uploaded seal image (公章), checked and re-encoded."""
    image = _png_or_raise(
        data, what="seal", max_bytes=SEAL_MAX_BYTES, min_size=SEAL_MIN_SIZE, max_size=SEAL_MAX_SIZE
    )
    if _ink_share(image) < DRAWING_MIN_INK:
        raise ApplicationError("SEAL_IMAGE_INVALID", "印章图片是空白的", "the seal image is blank")
    return _encode(image, SEAL_STORED_SIZE)


# --- the organisation's named signatory and seal ---------------------------------------------------------------

Organisation = Company | School


def _require_own_organisation(actor: Any, organisation: Organisation) -> None:
    if isinstance(organisation, Company):
        allowed = getattr(actor, "role", None) == Role.HR and actor.company_id == organisation.pk
    else:
        allowed = getattr(actor, "role", None) == Role.COORDINATOR and actor.school_id == organisation.pk
    if not allowed:
        raise ApplicationError(
            "PERMISSION_DENIED",
            "只能设置本单位的签字人和印章",
            "only your own organisation's signatory and seal can be set",
            status=403,
        )


@transaction.atomic
def organisation_signatory_set(
    *,
    actor: Any,
    organisation: Organisation,
    name: str,
    title: str,
    seal: bytes | None = None,
    remove_seal: bool = False,
) -> Organisation:
    """Name the person who signs agreements for a company (by its HR) or a school (by its coordinator), and upload
    or remove the seal image. The seal is stored through Django's storage under the organisation's own prefix."""
    _require_own_organisation(actor, organisation)
    name = " ".join((name or "").split())
    if not name or len(name) > 50:
        raise ApplicationError(
            "SIGNATORY_NAME_REQUIRED",
            "请填写签字人姓名（不超过 50 字）",
            "enter the signatory's name (at most 50 characters)",
            details={"signatory_name": ["required"]},
        )
    if title not in SignatoryTitle.values:
        raise ApplicationError(
            "SIGNATORY_TITLE_INVALID",
            "请选择签字人身份（法定代表人或授权签字人）",
            "choose the signatory's capacity (legal representative or authorised signatory)",
            details={"signatory_title": ["invalid"]},
        )
    png = seal_from_upload(seal) if seal is not None else None
    locked = type(organisation).objects.select_for_update().get(pk=organisation.pk)
    before = {"name": locked.signatory_name, "title": locked.signatory_title, "seal": locked.seal_image.name}
    old_seal = locked.seal_image.name if (png is not None or remove_seal) else ""
    locked.signatory_name, locked.signatory_title = name, title
    if png is not None:
        locked.seal_image.save("seal.png", ContentFile(png), save=False)
    elif remove_seal:
        locked.seal_image = ""
    locked.save(update_fields=["signatory_name", "signatory_title", "seal_image", "updated_at"])
    if old_seal:
        storage = locked.seal_image.storage
        transaction.on_commit(lambda: storage.delete(old_seal))
    audit_record(
        actor=actor,
        action=f"{locked._meta.model_name}.signatory_set",
        obj=locked,
        changes={
            "before": before,
            "after": {"name": name, "title": title, "seal": locked.seal_image.name},
        },
    )
    return locked


def seal_bytes(organisation: Organisation) -> bytes:
    if not organisation.seal_image:
        return b""
    with organisation.seal_image.open("rb") as handle:
        return handle.read()


@dataclass(frozen=True)
class Signatory:
    """Who signs for a company or school request: the named signatory, else (none named yet) the account."""

    name: str
    title: str
    named: bool
    seal_png: bytes
    has_seal: bool = False


def organisation_of(request: SignatureRequest) -> Organisation | None:
    placement = source.placement_of(request.envelope.document)
    if request.party == Party.COMPANY:
        return Company.objects.get(pk=placement.post.company_id)
    if request.party == Party.SCHOOL:
        return School.objects.get(pk=placement.pilot.school_id)
    return None


def signatory_for(request: SignatureRequest, user: Any, *, with_seal: bool = False) -> Signatory | None:
    """The person a company or school request is signed as; None for a student or guardian."""
    organisation = organisation_of(request)
    if organisation is None:
        return None
    seal = seal_bytes(organisation) if with_seal else b""
    if organisation.signatory_name:
        return Signatory(
            name=organisation.signatory_name,
            title=organisation.signatory_title,
            named=True,
            seal_png=seal,
            has_seal=bool(organisation.seal_image),
        )
    account = (getattr(user, "display_name", "") or (user.get_full_name() if user else "") or "").strip()
    return Signatory(
        name=account, title="", named=False, seal_png=seal, has_seal=bool(organisation.seal_image)
    )
