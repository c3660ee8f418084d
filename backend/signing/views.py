"""The public /verify page: upload a PDF or type its SHA-256. No login. (The SMS link's page, /sign/<id>/<token>,
is the portal's: backend/portal/views/signing.py.)"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from backend.core.clock import RULES_ZONE
from backend.core.errors import ApplicationError

from .models import Party, VerificationMethod
from .sealing import verify_document

MAX_UPLOAD = 20 * 1024 * 1024


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    answer = None
    error = None
    sha256 = request.POST.get("sha256") or request.GET.get("sha256") or ""
    try:
        upload = request.FILES.get("file") if request.method == "POST" else None
        if upload is not None:
            if (upload.size or 0) > MAX_UPLOAD:
                raise ApplicationError(
                    "FILE_TOO_LARGE", "文件过大（上限 20 MB）", "file too large (20 MB at most)"
                )
            answer = verify_document(pdf=upload.read())
        elif sha256:
            answer = verify_document(sha256=sha256)
    except ApplicationError as exc:
        error = exc
    return render(
        request,
        "signing/verify.html",
        {
            "answer": answer,
            "error": error,
            "sha256": sha256,
            "readable": _readable(answer),
            "reason": reason_label(answer.reason) if answer else None,
        },
    )


# The verdict's reason code (contracts.sealing.verify, backend.signing.sealing) as a short label; the page shows
# it in Chinese and English, never the code itself (the code stays in data-reason for scripts and tests).
REASON_LABELS = {
    "VALID": gettext_lazy("本平台封存，未被修改"),
    "NOT_A_PDF": gettext_lazy("不是可读取的 PDF"),
    "NO_SIGNATURE": gettext_lazy("没有数字签名"),
    "UNKNOWN_SIGNER": gettext_lazy("不是本平台的签名"),
    "SIGNATURE_BROKEN": gettext_lazy("签名与文件内容不符（文件已被改动）"),
    "MODIFIED_AFTER_SEALING": gettext_lazy("封存后被修改"),
    "UNTRUSTED_CERTIFICATE": gettext_lazy("证书不受信任"),
    "NOT_ON_RECORD": gettext_lazy("本平台无封存记录"),
    "VOIDED_AFTER_SEALING": gettext_lazy("封存后已作废"),
}
OTHER_REASON = gettext_lazy("无法核验")


def reason_label(code: str) -> dict[str, str]:
    """{"zh": ..., "en": ...} for a verdict's reason code; an unknown code reads as "cannot be verified"."""
    zh, en = _both(REASON_LABELS.get(code, OTHER_REASON))
    return {"zh": zh, "en": en}


def _both(label: Any) -> tuple[str, str]:
    """A label of a choice in Chinese and in English (the page shows both)."""
    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = str(label)
    return zh, en


def _local(iso: str) -> str:
    """An ISO instant as the local time people read: 2026-12-01 10:05 (UTC+8)."""
    at = parse_datetime(iso or "")
    return at.astimezone(RULES_ZONE).strftime("%Y-%m-%d %H:%M:%S") + " (UTC+8)" if at else iso


def _readable(answer: Any) -> dict[str, Any] | None:
    """The public record with party and method labels instead of codes, and times in local time."""
    if answer is None or not answer.agreement:
        return None
    parties = {p.value: _both(p.label) for p in Party}
    methods = {m.value: _both(m.label) for m in VerificationMethod}
    return {
        "sealed_at": _local(answer.agreement.get("sealed_at", "")),
        "parties": [
            {
                "zh": parties.get(p["party"], (p["party"],) * 2)[0],
                "en": parties.get(p["party"], (p["party"],) * 2)[1],
                "name": p["name"],
            }
            for p in answer.agreement.get("parties", [])
        ],
        "history": [
            {
                "zh": parties.get(h["party"], (h["party"],) * 2)[0],
                "en": parties.get(h["party"], (h["party"],) * 2)[1],
                "signer_name": h["signer_name"],
                "signed_at": _local(h["signed_at"]),
                "method_zh": methods.get(h["verification_method"], (h["verification_method"],) * 2)[0],
                "method_en": methods.get(h["verification_method"], (h["verification_method"],) * 2)[1],
            }
            for h in answer.history
        ],
    }
