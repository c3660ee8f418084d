"""Students, guardians and mentors: own placements and notices, phone first."""

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.notices.services import notice_mark_read
from backend.portal import selectors
from backend.portal.access import feature, role_required, scoped_get
from backend.portal.views.school import placement_context

personal = role_required(Role.STUDENT, Role.GUARDIAN, Role.MENTOR)


@personal
def me(request: HttpRequest) -> HttpResponse:
    consents: list = []
    if feature("checklist") and getattr(request.user, "role", "") in (Role.STUDENT, Role.GUARDIAN):
        from backend.checklist.selectors import consent_document_list

        consents = list(consent_document_list(user=request.user).exclude(status="void").order_by("-id")[:10])
    return render(
        request,
        "portal/me/home.html",
        {
            "placements": selectors.placement_list(request.user),
            "notices": selectors.notice_list(request.user)[:20],
            "ranking": _ranking(request),
            "consents": consents,
        },
    )


def _ranking(request: HttpRequest) -> Any:
    """The student's ranking round (open, or closed with a saved list) for the link to /me/ranking/, or None."""
    student = getattr(request.user, "student", None)
    if request.user.role != Role.STUDENT or student is None or not feature("matching"):  # type: ignore[union-attr]
        return None
    from backend.core.clock import local_today
    from backend.matching.selectors import ranking_state

    state = ranking_state(student=student, today=local_today())
    return state if state.round is not None and (state.open or state.saved) else None


@personal
def placement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = placement_context(request, pk)
    context["sealed_agreements"] = _sealed_agreements(request, context["placement"])
    return render(request, "portal/placement_detail.html", context)


def _sealed_agreements(request: HttpRequest, placement: Any) -> Any:
    """The sealed agreements a student or guardian signed as a party (none for a mentor, who is not one)."""
    if not feature("signing"):
        return []
    from backend.signing.selectors import sealed_agreements_of_placement

    return sealed_agreements_of_placement(user=request.user, placement=placement)


@personal
def sealed_agreement_pdf(request: HttpRequest, pk: int, sealed_pk: int) -> FileResponse:
    placement = scoped_get(request, selectors.placement_list(request.user), pk=pk)
    sealed = _sealed_agreements(request, placement)
    document = sealed.filter(pk=sealed_pk).first() if sealed else None
    if document is None:
        raise Http404
    return FileResponse(
        document.pdf.open("rb"),
        as_attachment=True,
        filename=f"{document.envelope.revision.agreement.number}-sealed.pdf",
        content_type="application/pdf",
    )


@require_POST
@personal
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    notice = scoped_get(request, selectors.notice_list(request.user), pk=pk)
    notice_mark_read(notice=notice)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "portal/me/_notice.html", {"notice": notice})
    return redirect("portal:me")
