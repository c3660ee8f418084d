"""The signing page: students and guardians from their link (no login), HR and coordinators from their accounts.

The agreement is read as page images; the signer asks for a one-time code, types the name and signs, or declines
with a reason. Every step is a call to backend.signing.services, which checks order, expiry and the code.
Imported only when backend.signing is installed (see backend/portal/urls.py)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backend.accounts.models import Role
from backend.companies.models import SignatoryTitle
from backend.core.errors import ApplicationError
from backend.portal.access import error_text, role_required
from backend.portal.pdfpages import page_count, page_png
from backend.signing import agreement_source as source
from backend.signing import marks, selectors, services
from backend.signing.models import SignatureRequest


def _evidence(request: HttpRequest) -> services.Evidence:
    return services.Evidence(
        ip_address=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
    )


class Signer:
    """Who is signing and how: through a link (token) or through an account (user)."""

    def __init__(self, req: SignatureRequest, *, base: str, token: str | None = None, user: Any = None):
        self.req, self.base, self.token, self.user = req, base, token, user

    @property
    def via_link(self) -> bool:
        return self.token is not None

    def send_code(self) -> Any:
        return services.signing_code_send(
            request=self.req, now=timezone.now(), user=self.user, via_link=self.via_link
        )

    def sign(self, request: HttpRequest) -> Any:
        return services.signing_sign(
            request=self.req,
            code=request.POST.get("code", ""),
            typed_name=request.POST.get("typed_name", ""),
            agreed=request.POST.get("agreed") == "on",
            evidence=_evidence(request),
            now=timezone.now(),
            user=self.user,
            token=self.token,
            drawing=request.POST.get("drawing"),  # the page always sends it: a blank pad is refused
        )

    def decline(self, request: HttpRequest) -> Any:
        return services.signing_decline(
            request=self.req,
            code=request.POST.get("code", ""),
            reason=request.POST.get("reason", ""),
            evidence=_evidence(request),
            now=timezone.now(),
            user=self.user,
            via_link=self.via_link,
        )


def _link_signer(request_id: int, token: str) -> Signer:
    req = services.link_resolve(request_id=request_id, token=token, now=timezone.now())
    return Signer(req, base=f"/sign/{request_id}/{token}", token=token)


def _account_signer(request: HttpRequest, pk: int) -> Signer:
    try:
        req = selectors.actionable_request_get(user=request.user, pk=pk)
    except ApplicationError as exc:
        raise Http404 from exc
    return Signer(req, base=f"/signing/requests/{pk}", user=request.user)


def _context(signer: Signer, **extra: Any) -> dict[str, Any]:
    req = signer.req
    revision = req.envelope.document
    agreement = source.agreement_of(revision)
    pdf = source.revision_pdf_bytes(revision)
    signatory = None if signer.via_link else marks.signatory_for(req, signer.user)
    expected = req.signer_name if signer.via_link else (signatory.name if signatory else "")
    return {
        "req": req,
        "base": signer.base,
        "via_link": signer.via_link,
        "title": source.agreement_title(agreement),
        "reference": source.agreement_reference(agreement),
        "sha256": source.revision_pdf_sha256(revision),
        "pages": range(1, page_count(pdf) + 1),
        "agreed_text": services.agreed_text(req, expected or "____"),
        "expected_name": expected,
        "signatory": signatory,
        "signatory_title": dict(SignatoryTitle.choices).get(signatory.title, "") if signatory else "",
        **extra,
    }


def _refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(
        request,
        "portal/signing/refused.html",
        {"message": error_text(exc), "code": exc.code},
        status=exc.status,
    )


def _page(request: HttpRequest, signer: Signer, http_status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "portal/signing/sign.html", _context(signer, **extra), status=http_status)


def _code(request: HttpRequest, signer: Signer) -> HttpResponse:
    try:
        otp = signer.send_code()
    except ApplicationError as exc:
        outcome: dict[str, Any] = {"code_error": error_text(exc), "code_error_code": exc.code}
    else:
        masked = f"{otp.phone[:3]}****{otp.phone[-4:]}" if len(otp.phone) >= 7 else "****"
        outcome = {"code_sent_to": masked}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "portal/signing/_code_status.html", outcome)
    return _page(request, signer, **outcome)


def error_field(code: str) -> str:
    """Which field a refusal belongs beside: the code, the typed name, the consent box, or the form as a whole."""
    if code.startswith("CODE_"):
        return "code"
    return {"NAME_MISMATCH": "name", "CONSENT_REQUIRED": "consent"}.get(code, "form")


def _sign(request: HttpRequest, signer: Signer) -> HttpResponse:
    try:
        signature = signer.sign(request)
    except ApplicationError as exc:
        if exc.code in ("NOT_FOUND", "LINK_INVALID"):
            raise Http404 from exc
        return _page(
            request,
            signer,
            http_status=400,
            sign_error=error_text(exc),
            error_code=exc.code,
            error_field=error_field(exc.code),
            typed_name=request.POST.get("typed_name", ""),
            agreed=request.POST.get("agreed") == "on",
            drawing=request.POST.get("drawing", ""),
        )
    return render(
        request, "portal/signing/done.html", {"signed": True, "signature": signature, "req": signer.req}
    )


def _decline(request: HttpRequest, signer: Signer) -> HttpResponse:
    try:
        signer.decline(request)
    except ApplicationError as exc:
        return _page(
            request,
            signer,
            http_status=400,
            decline_error=error_text(exc),
            error_code=exc.code,
            reason=request.POST.get("reason", ""),
        )
    return render(request, "portal/signing/done.html", {"signed": False, "req": signer.req})


def _png(signer: Signer, number: int) -> HttpResponse:
    pdf = source.revision_pdf_bytes(signer.req.envelope.document)
    try:
        image = page_png(pdf, number)
    except IndexError as exc:
        raise Http404 from exc
    response = HttpResponse(image, content_type="image/png")
    response["Cache-Control"] = "private, max-age=600"
    return response


# --- through the link (students, guardians): no login, the token is the credential ------------------------------


def _with_link(action: Any) -> Any:
    def view(request: HttpRequest, request_id: int, token: str, **kwargs: Any) -> HttpResponse:
        try:
            signer = _link_signer(request_id, token)
        except ApplicationError as exc:
            return _refused(request, exc)
        return action(request, signer, **kwargs)

    return never_cache(view)


def _page_or_action(request: HttpRequest, signer: Signer) -> HttpResponse:
    """GET reads; a plain form POST to the link itself names its step in `action` (code, sign or decline)."""
    if request.method != "POST":
        return _page(request, signer)
    action = {"code": _code, "sign": _sign, "decline": _decline}.get(request.POST.get("action", ""))
    return action(request, signer) if action else _page(request, signer, http_status=400)


link_page = require_http_methods(["GET", "POST"])(_with_link(_page_or_action))
link_code = require_POST(_with_link(_code))
link_sign = require_POST(_with_link(_sign))
link_decline = require_POST(_with_link(_decline))
link_png = require_GET(_with_link(lambda request, signer, number: _png(signer, number)))


# --- from an account (HR for the company, the coordinator for the school) ------------------------------------------


def _with_account(action: Any, *, check: bool = True) -> Any:
    @role_required(Role.HR, Role.COORDINATOR)
    def view(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        signer = _account_signer(request, pk)
        if check:
            try:
                services.check_signable(signer.req, timezone.now())
            except ApplicationError as exc:
                return _refused(request, exc)
        return action(request, signer, **kwargs)

    return never_cache(view)


account_page = require_GET(_with_account(lambda request, signer: _page(request, signer)))
account_code = require_POST(_with_account(_code))
account_sign = require_POST(_with_account(_sign))
account_decline = require_POST(_with_account(_decline))
account_png = require_GET(_with_account(lambda request, signer, number: _png(signer, number), check=False))


# --- the inbox: requests awaiting the user's organisation ---------------------------------------------------------


@role_required(Role.HR, Role.COORDINATOR)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """/signing/requests/: every request whose turn it is of the school (coordinator) or the company (HR), each with
    the link to its signing page."""
    rows = list(selectors.signature_requests_awaiting(user=request.user))
    for req in rows:
        agreement = source.agreement_of(req.envelope.document)
        req.agreement = agreement  # type: ignore[attr-defined]
        req.placement = agreement.placement  # type: ignore[attr-defined]
    detail = "portal:school-agreement" if request.user.role == Role.COORDINATOR else ""  # type: ignore[union-attr]
    return render(request, "portal/signing/inbox.html", {"rows": rows, "agreement_url_name": detail})


@role_required(Role.HR, Role.COORDINATOR)
@require_GET
def envelope_page(request: HttpRequest, pk: int) -> HttpResponse:
    """/signing/envelopes/<pk>, the link of the notices "协议已封存", "协议被拒签", "签署已过期": the agreement's
    page of the user's organisation (the coordinator's agreement page, HR's agreement list)."""
    from django.shortcuts import redirect

    try:
        envelope = selectors.envelope_get(user=request.user, pk=pk)
    except ApplicationError as exc:
        raise Http404 from exc
    if request.user.role == Role.COORDINATOR and envelope.revision_id is None:  # type: ignore[union-attr]
        return redirect("portal:school-placement", pk=source.placement_of(envelope.document).pk)
    if request.user.role == Role.COORDINATOR:  # type: ignore[union-attr]
        return redirect("portal:school-agreement", pk=envelope.document.agreement_id)
    return redirect("portal:company-agreements")
