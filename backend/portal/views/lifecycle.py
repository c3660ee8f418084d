"""Pauses, endings and injuries in the portal (backend.lifecycle): one page per placement for every party who sees
it, with the forms each role may use (the services decide again), and the list of injury reports."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.core.clock import RULES_ZONE, local_today
from backend.core.errors import ApplicationError
from backend.lifecycle import selectors as lifecycle
from backend.lifecycle import services
from backend.lifecycle.models import (
    ClaimStatus,
    InjurySeverity,
    PauseReason,
    TerminationParty,
    TerminationReason,
    TerminationStatus,
)
from backend.placements.models import Placement, PlacementStatus
from backend.portal import selectors
from backend.portal.access import error_text, scoped_get

REPORTERS = (Role.COORDINATOR, Role.HR, Role.MENTOR, Role.TEACHER, Role.ADMIN)


def _placement(request: HttpRequest, pk: int) -> Placement:
    return scoped_get(request, selectors.placement_list(request.user), pk=pk)


def _back(placement: Placement, anchor: str = "") -> HttpResponse:
    return redirect(
        reverse("portal:placement-lifecycle", args=[placement.pk]) + (f"#{anchor}" if anchor else "")
    )


def _date(request: HttpRequest, name: str) -> datetime.date:
    value = parse_date(request.POST.get(name, "") or "")
    if value is None:
        raise ApplicationError("DATE_REQUIRED", "请填写日期", "a date is required", details={"field": name})
    return value


def _moment(request: HttpRequest, name: str) -> datetime.datetime:
    """A datetime-local field (the rules' zone, Asia/Shanghai)."""
    value = parse_datetime(request.POST.get(name, "") or "")
    if value is None:
        raise ApplicationError("TIME_REQUIRED", "请填写时间", "a time is required", details={"field": name})
    return value if value.tzinfo else value.replace(tzinfo=RULES_ZONE)


def _run(request: HttpRequest, placement: Placement, anchor: str, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return _back(placement, anchor)


def _on_placement(
    request: HttpRequest,
    pk: int,
    anchor: str,
    service: Callable[..., Any],
    done: str,
    fields: Callable[[], dict[str, Any]],
) -> HttpResponse:
    """A form on the placement's lifecycle page: the service called with the user, the placement and the form's
    fields (read inside the call, so a missing date is the service's kind of error on the page)."""
    placement = _placement(request, pk)
    return _run(
        request, placement, anchor, lambda: service(actor=request.user, placement=placement, **fields()), done
    )


@login_required
def placement_lifecycle(request: HttpRequest, pk: int) -> HttpResponse:
    """暂停、终止与事故: the placement's pauses, terminations, completion and injuries, and what the user may do."""
    placement = _placement(request, pk)
    role = getattr(request.user, "role", "")
    is_school = role in (Role.COORDINATOR, Role.ADMIN)
    injuries = list(lifecycle.injury_list(user=request.user).filter(placement=placement))
    now = timezone.now()
    for injury in injuries:
        injury.overdue = injury.is_overdue(now)  # type: ignore[attr-defined]
    live = placement.status in (
        PlacementStatus.ACTIVE,
        PlacementStatus.PAUSED,
        PlacementStatus.PROPOSED,
        PlacementStatus.SIGNING,
    )
    terminations = list(lifecycle.termination_list(user=request.user).filter(placement=placement))
    return render(
        request,
        "portal/lifecycle/placement.html",
        {
            "placement": placement,
            "pauses": list(lifecycle.pause_list(user=request.user).filter(placement=placement)),
            "open_pause": lifecycle.open_pause(placement),
            "terminations": terminations,
            "pending": [t for t in terminations if t.status == TerminationStatus.REQUESTED],
            "completion": getattr(placement, "completion", None),
            "injuries": injuries,
            "today": local_today(),
            "can_pause": is_school and placement.status == PlacementStatus.ACTIVE,
            "can_resume": is_school and placement.status == PlacementStatus.PAUSED,
            "can_complete": is_school and placement.status == PlacementStatus.ACTIVE,
            "can_terminate": is_school and live,
            "can_request": role == Role.HR and live,
            "can_decide": is_school,
            "can_report": role in REPORTERS and placement.status != PlacementStatus.TERMINATED,
            "can_edit_claims": role in (Role.COORDINATOR, Role.HR, Role.ADMIN),
            "pause_reasons": PauseReason.choices,
            "termination_reasons": TerminationReason.choices,
            "termination_parties": TerminationParty.choices,
            "severities": InjurySeverity.choices,
            "claim_statuses": ClaimStatus.choices,
        },
    )


@require_POST
@login_required
def pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_placement(
        request,
        pk,
        "pause",
        services.placement_pause,
        _("已暂停"),
        lambda: {
            "start_date": _date(request, "start_date"),
            "end_date": _date(request, "end_date"),
            "reason": request.POST.get("reason", ""),
            "note": request.POST.get("note", ""),
            "today": local_today(),
        },
    )


@require_POST
@login_required
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_placement(
        request,
        pk,
        "pause",
        services.placement_resume,
        _("已恢复在岗"),
        lambda: {"on": _date(request, "on"), "today": local_today()},
    )


@require_POST
@login_required
def terminate(request: HttpRequest, pk: int) -> HttpResponse:
    placement = _placement(request, pk)

    def act() -> Any:
        data: dict[str, Any] = {
            "actor": request.user,
            "placement": placement,
            "reason": request.POST.get("reason", ""),
            "effective_date": _date(request, "effective_date"),
            "details": request.POST.get("details", ""),
        }
        if getattr(request.user, "role", "") == Role.HR:
            return services.termination_request(**data)
        return services.placement_terminate(initiated_by=request.POST.get("initiated_by", ""), **data)

    done = _("已提交终止申请，待学校确认") if getattr(request.user, "role", "") == Role.HR else _("已终止")
    return _run(request, placement, "terminate", act, done)


@require_POST
@login_required
def decide(request: HttpRequest, pk: int, termination_pk: int) -> HttpResponse:
    placement = _placement(request, pk)
    termination = scoped_get(
        request, lifecycle.termination_list(user=request.user), pk=termination_pk, placement=placement
    )
    note = request.POST.get("note", "")
    if request.POST.get("decision") == "confirm":
        return _run(
            request,
            placement,
            "terminate",
            lambda: services.termination_confirm(actor=request.user, termination=termination, note=note),
            _("已终止"),
        )
    return _run(
        request,
        placement,
        "terminate",
        lambda: services.termination_decline(actor=request.user, termination=termination, note=note),
        _("已不同意终止申请"),
    )


@require_POST
@login_required
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_placement(
        request,
        pk,
        "complete",
        services.placement_complete,
        _("已结业"),
        lambda: {
            "completed_on": _date(request, "completed_on"),
            "note": request.POST.get("note", ""),
            "today": local_today(),
        },
    )


@require_POST
@login_required
def injury_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_placement(
        request,
        pk,
        "injuries",
        services.injury_report,
        _("事故已报告，已通知学校、指导教师、企业、监护人和保险公司"),
        lambda: {
            "occurred_at": _moment(request, "occurred_at"),
            "location": request.POST.get("location", ""),
            "description": request.POST.get("description", ""),
            "treatment": request.POST.get("treatment", ""),
            "severity": request.POST.get("severity", ""),
            "now": timezone.now(),
        },
    )


def _amount(request: HttpRequest, name: str) -> Decimal | None:
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation as exc:
        raise ApplicationError("AMOUNT_INVALID", "金额格式不正确", "the amount is not a number") from exc


@require_POST
@login_required
def injury_update(request: HttpRequest, pk: int) -> HttpResponse:
    """The report to the authorities, or the claim (status, reference, policy numbers, amounts)."""
    injury = scoped_get(request, lifecycle.injury_list(user=request.user), pk=pk)
    placement = injury.placement
    now = timezone.now()
    if request.POST.get("section") == "authority":
        return _run(
            request,
            placement,
            f"injury-{injury.pk}",
            lambda: services.injury_authority_reported(
                actor=request.user,
                injury=injury,
                at=now,
                reference=request.POST.get("reference", ""),
                now=now,
            ),
            _("已登记向主管部门报告"),
        )
    return _run(
        request,
        placement,
        f"injury-{injury.pk}",
        lambda: services.injury_claim_update(
            actor=request.user,
            injury=injury,
            claim_status=request.POST.get("claim_status") or None,
            claim_reference=request.POST.get("claim_reference"),
            policy_numbers=[
                n for n in (request.POST.get("policy_numbers") or "").replace("，", ",").split(",")
            ],
            medical_costs=_amount(request, "medical_costs"),
            claimed_amount=_amount(request, "claimed_amount"),
            paid_amount=_amount(request, "paid_amount"),
        ),
        _("理赔信息已保存"),
    )


@login_required
def injuries(request: HttpRequest) -> HttpResponse:
    """The injury reports the user may see: a school's, a company's, or their own placements'."""
    rows = list(lifecycle.injury_list(user=request.user).order_by("-occurred_at", "-id")[:200])
    now = timezone.now()
    for injury in rows:
        injury.overdue = injury.is_overdue(now)  # type: ignore[attr-defined]
    return render(request, "portal/lifecycle/injuries.html", {"injuries": rows})
