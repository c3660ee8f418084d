"""The public /verify page: upload a PDF or type its SHA-256. No login. (The SMS link's page, /sign/<id>/<token>,
is the portal's: backend/portal/views/signing.py.)"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.dateparse import parse_datetime
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
        {"answer": answer, "error": error, "sha256": sha256, "readable": _readable(answer)},
    )


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
