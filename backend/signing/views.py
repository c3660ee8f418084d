"""The public /verify page: upload a PDF or type its SHA-256. No login. (The SMS link's page, /sign/<id>/<token>,
is the portal's: backend/portal/views/signing.py.)"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from backend.core.errors import ApplicationError

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
    return render(request, "signing/verify.html", {"answer": answer, "error": error, "sha256": sha256})
