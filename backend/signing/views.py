"""Public pages: /verify (upload a PDF or type its SHA-256) and /sign/<id>/<token> (the SMS link). No login."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from backend.core.errors import ApplicationError

from . import agreement_source as source
from . import services
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


@require_http_methods(["GET", "POST"])
def sign_page(request: HttpRequest, request_id: int, token: str) -> HttpResponse:
    """The page a student or guardian opens from the SMS link: read, get a code, type the name, sign or decline.
    The token in the URL is the credential; every step goes through the same services as the API."""
    now = timezone.now()
    context: dict = {"request_id": request_id, "token": token}
    try:
        sig_request = services.link_resolve(request_id=request_id, token=token, now=now)
    except ApplicationError as exc:
        return render(request, "signing/sign.html", {**context, "fatal": exc}, status=exc.status)
    if request.method == "POST":
        action = request.POST.get("action")
        evidence = services.Evidence(
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
        )
        try:
            if action == "code":
                otp = services.signing_code_send(request=sig_request, now=now, via_link=True)
                context["code_sent_to"] = f"{otp.phone[:3]}****{otp.phone[-4:]}"
            elif action == "sign":
                services.signing_sign(
                    request=sig_request,
                    code=request.POST.get("code", ""),
                    typed_name=request.POST.get("typed_name", ""),
                    agreed=request.POST.get("agreed") == "on",
                    evidence=evidence,
                    now=now,
                    token=token,
                )
                return render(request, "signing/sign.html", {**context, "done": "signed"})
            elif action == "decline":
                services.signing_decline(
                    request=sig_request,
                    code=request.POST.get("code", ""),
                    reason=request.POST.get("reason", ""),
                    evidence=evidence,
                    now=now,
                    via_link=True,
                )
                return render(request, "signing/sign.html", {**context, "done": "declined"})
        except ApplicationError as exc:
            context["error"] = exc
    agreement = source.agreement_of(sig_request.envelope.revision)
    context.update(
        sig_request=sig_request,
        agreement_reference=source.agreement_reference(agreement),
        agreement_title=source.agreement_title(agreement),
        pdf_sha256=source.revision_pdf_sha256(sig_request.envelope.revision),
        agreed_text=services.agreed_text(sig_request, sig_request.signer_name),
    )
    return render(request, "signing/sign.html", context)
