"""Notices of the rules: a violation is told at once to the school's coordinators, the company's HR, the
placement's supervising teacher and the guardian of a minor (once per violation and severity); the monthly 信息通报 to all of them."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db.models import F, Q

from backend.core.ids import age_on
from backend.core.queue import enqueue_on_commit
from backend.placements.models import Placement
from backend.rules.models import Severity, Violation
from backend.rules.selectors import (
    PolicyBook,
    active_placements,
    placement_monthly_summary,
    violation_messages,
)

NOTIFY_CHUNK = 500
NOTIFY_SWEEP_MAX = 5000
SUMMARY_BATCH = 200


def enqueue_violation_notices(ids: Sequence[int]) -> None:
    """Queue the notices of new violations once the transaction commits, in chunks of NOTIFY_CHUNK ids."""
    for i in range(0, len(ids), NOTIFY_CHUNK):
        enqueue_on_commit("rules.notify_violations", list(ids[i : i + NOTIFY_CHUNK]))


def _recipients(
    placement: Placement, *, minor_on: datetime.date | None, adult_age: int, guardians: bool = False
) -> list[Any]:
    """Coordinators of the school and HR of the company; guardians always (``guardians``) or for a minor (under
    the policy's ``adult_age`` on ``minor_on``)."""
    from backend.accounts.models import User

    q = (
        Q(role="coordinator", school_id=placement.pilot.school_id)
        | Q(role="hr", company_id=placement.post.company_id)
        # the supervising teacher assigned to the placement (attendance.TeacherAssignment)
        | Q(role="teacher", teacher_assignments__placement_id=placement.pk)
    )
    if guardians or (minor_on is not None and age_on(placement.student.birth_date, minor_on) < adult_age):
        q |= Q(role="guardian", guardian__student_id=placement.student_id)
    return list(User.objects.filter(q, is_active=True).distinct())


def violations_notify(*, violation_ids: Sequence[int]) -> int:
    """Tell the coordinator and HR at once (and the guardian of a minor): once per violation and severity."""
    from backend.notices.services import notice_send

    book = PolicyBook()
    sent = 0
    for v in Violation.objects.filter(pk__in=violation_ids).select_related(
        "placement__student", "placement__post", "placement__pilot"
    ):
        if v.notified_severity == v.severity:
            continue
        p = v.placement
        zh, en = violation_messages(v)
        label = "预警" if v.severity == Severity.WARNING else "违规"
        notices = notice_send(
            recipients=_recipients(
                p,
                minor_on=v.period_start,
                adult_age=book.policy(pilot_id=p.pilot_id, on=p.start_date).adult_age,
            ),
            kind=f"rules.{v.severity}",
            title=f"【{label}】{p.student.name}：{v.rule_code}",
            body=f"{zh}\n{en}\n规则版本 / policy: {v.policy_code}",
            link=f"/api/v1/violations/{v.pk}/",
            dedupe_key=f"violation:{v.pk}:{v.severity}",
        )
        Violation.objects.filter(pk=v.pk).update(notified_severity=v.severity)
        sent += len(notices)
    return sent


def violations_owed_ids(*, limit: int = NOTIFY_SWEEP_MAX) -> list[int]:
    """The violations whose notice is still owed: told of no severity, or of another one (a warning that became a
    violation, a reopened one). The row's own ``notified_severity`` is the outbox: whoever stored the row and
    however its notifier died, it stays owed until ``violations_notify`` has sent it. Oldest first."""
    return list(
        Violation.objects.exclude(notified_severity=F("severity"))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def violations_notify_owed(*, limit: int = NOTIFY_SWEEP_MAX) -> dict[str, int]:
    """The notifier sweep (beat, every few minutes): send every owed violation notice, in chunks of NOTIFY_CHUNK.

    Exactly once even beside a running ``rules.notify_violations`` task: the notice's dedupe key
    (violation, severity) is unique per recipient, so a second sender creates nothing."""
    ids = violations_owed_ids(limit=limit)
    sent = 0
    for i in range(0, len(ids), NOTIFY_CHUNK):
        sent += violations_notify(violation_ids=ids[i : i + NOTIFY_CHUNK])
    return {"violations": len(ids), "notices": sent}


def monthly_summaries_send(*, month: datetime.date, placement_ids: Sequence[int] | None = None) -> int:
    from backend.notices.services import notice_send

    qs = active_placements().select_related("student", "post", "pilot")
    if placement_ids is not None:
        qs = qs.filter(pk__in=placement_ids)
    book = PolicyBook()
    sent = 0
    for p in qs:
        s = placement_monthly_summary(placement=p, month=month)
        v = s["violations"]
        due = "、".join(f"{d['stage']} {d['company_end']}" for d in s["assessments_due"]) or "无 / none"
        body = (
            f"{s['month']} 学徒 {p.student.name}（{p.post.title}）工作 {s['hours']} 小时；违规记录：待处理 {v['open']}，"
            f"已知悉 {v['acknowledged']}，已解决 {v['resolved']}；下月到期考核：{due}\n"
            f"{s['month']} apprentice {p.student.name} ({p.post.title}) worked {s['hours']} h; violations: "
            f"{v['open']} open, {v['acknowledged']} acknowledged, {v['resolved']} resolved; assessments due next "
            f"month: {due}"
        )
        sent += len(
            notice_send(
                recipients=_recipients(
                    p,
                    minor_on=month,
                    adult_age=book.policy(pilot_id=p.pilot_id, on=p.start_date).adult_age,
                    guardians=True,
                ),
                kind="rules.monthly_summary",
                title=f"信息通报 {s['month']}：{p.student.name}",
                body=body,
                link=f"/api/v1/placements/{p.pk}/",
                dedupe_key=f"summary:{p.pk}:{s['month']}",
            )
        )
    return sent


def monthly_summary_batches(
    *, month: datetime.date | None, today: datetime.date
) -> tuple[datetime.date, list[list[int]]]:
    """The month a 信息通报 run covers (the given month, else the month before ``today``), as its first day, and the
    active placements in batches of SUMMARY_BATCH ids (one task each)."""
    first = (month or (today.replace(day=1) - datetime.timedelta(days=1))).replace(day=1)
    ids = list(active_placements().order_by("pk").values_list("pk", flat=True))
    return first, [ids[i : i + SUMMARY_BATCH] for i in range(0, len(ids), SUMMARY_BATCH)]
