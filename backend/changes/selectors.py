"""Reads of the changes app: the changed placement built in memory and judged by every gate (nothing saved), what
a change changes, and the scoped lists."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from backend.accounts.scoping import scope_queryset
from backend.companies.models import Mentor, Post
from backend.core.errors import ApplicationError, NotFound
from backend.placements.models import Placement
from backend.rules import gates
from backend.rules.selectors import placement_gates_check

from .models import ChangeRequest


def changed_placement(
    placement: Placement,
    *,
    new_post: Post | None = None,
    new_mentor: Mentor | None = None,
    new_start_date: datetime.date | None = None,
    new_end_date: datetime.date | None = None,
    require_change: bool = True,
) -> Placement:
    """The placement as it would be after the change: a fresh instance in memory, never saved. Refuses a change of
    company (CHANGE_COMPANY: that is an ending and a new placement), a change of nothing, dates out of order and a
    period that no longer holds the placement's stages."""
    changed = Placement.objects.select_related("student__cohort", "post__company", "mentor", "pilot").get(
        pk=placement.pk
    )
    company_id = changed.post.company_id
    if (new_post is not None and new_post.company_id != company_id) or (
        new_mentor is not None and new_mentor.company_id != company_id
    ):
        raise ApplicationError(
            "CHANGE_COMPANY",
            "变更企业不能通过变更申请办理：请终止本学徒安排，再新建一个学徒安排",
            "a change of company is not a change request: end this placement and create a new one",
            status=422,
        )
    if new_post is not None:
        changed.post = new_post
    if new_mentor is not None:
        changed.mentor = new_mentor
    if new_start_date is not None:
        changed.start_date = new_start_date
    if new_end_date is not None:
        changed.end_date = new_end_date
    if require_change and (
        changed.post_id,
        changed.mentor_id,
        changed.start_date,
        changed.end_date,
    ) == (placement.post_id, placement.mentor_id, placement.start_date, placement.end_date):
        raise ApplicationError("CHANGE_NOTHING", "没有任何变更", "the change request changes nothing")
    if changed.end_date <= changed.start_date:
        raise ApplicationError(
            "CHANGE_DATES", "结束日期须晚于开始日期", "the end date must be after the start date", status=422
        )
    outside = [
        s.number
        for s in placement.stages.all()
        if s.company_start < changed.start_date or s.company_end > changed.end_date
    ]
    if outside:
        raise ApplicationError(
            "STAGE_OUTSIDE_PLACEMENT",
            "新的起止日期不能包含全部培养阶段（第" + "、".join(map(str, outside)) + "阶段）",
            "the new period does not hold every stage: " + ", ".join(map(str, outside)),
            details={"stages": outside},
            status=422,
        )
    return changed


def change_gates_check(*, placement: Placement, changed: Placement) -> gates.GateReport:
    """Every gate, as for a new placement (stage PROPOSE), on the changed placement in memory. Writes nothing."""
    return placement_gates_check(placement=changed, stage=gates.PROPOSE)


def _mentor(m: Mentor | None) -> str:
    return m.name if m is not None else "（无）"


def _date(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def change_summary(change: ChangeRequest) -> list[dict[str, str]]:
    """What the change changes, as printed in the supplementary agreement: item, before, after."""
    rows = []
    if change.new_post is not None:
        rows.append({"item": "岗位", "before": change.old_post.title, "after": change.new_post.title})
    if change.new_mentor_id is not None:
        rows.append(
            {"item": "企业师傅", "before": _mentor(change.old_mentor), "after": _mentor(change.new_mentor)}
        )
    if change.new_start_date is not None:
        rows.append(
            {
                "item": "开始日期",
                "before": _date(change.old_start_date),
                "after": _date(change.new_start_date),
            }
        )
    if change.new_end_date is not None:
        rows.append(
            {"item": "结束日期", "before": _date(change.old_end_date), "after": _date(change.new_end_date)}
        )
    return rows


def change_request_list(*, user: Any, placement_id: int | None = None) -> QuerySet[ChangeRequest]:
    qs = ChangeRequest.objects.select_related(
        "placement__student",
        "placement__post__company",
        "new_post",
        "new_mentor",
        "old_post",
        "old_mentor",
        "agreement",
        "requested_by",
    )
    if placement_id is not None:
        qs = qs.filter(placement_id=placement_id)
    return scope_queryset(user, qs)


def change_request_get(*, user: Any, pk: Any) -> ChangeRequest:
    change = change_request_list(user=user).filter(pk=pk).first()
    if change is None:
        raise NotFound("change request")
    return change
