"""Students, guardians and mentors: own placements and notices, phone first."""

from django.http import HttpRequest, HttpResponse
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
            "consents": consents,
        },
    )


@personal
def placement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "portal/placement_detail.html", placement_context(request, pk))


@require_POST
@personal
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    notice = scoped_get(request, selectors.notice_list(request.user), pk=pk)
    notice_mark_read(notice=notice)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "portal/me/_notice.html", {"notice": notice})
    return redirect("portal:me")
