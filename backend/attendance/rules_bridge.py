"""Everything attendance asks of the rules app, in one place: the actual shift an attested period becomes, the
apprentice's attestation of it, and the working-time findings raised the moment a clock happens.

Only the rules' public services, selectors and pure functions are used; if the rules app moves them, this is the
one module to follow it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from backend.core.queue import enqueue_on_commit
from backend.placements.models import Placement
from backend.rules import worktime as wt
from backend.rules.codes import RuleCode
from backend.rules.models import Severity, Shift, ShiftException, ShiftKind, Violation, ViolationStatus
from backend.rules.policy import Policy
from backend.rules.selectors import policy_for_placement, recent_calendar_between, recent_policy
from backend.rules.services.shifts import shift_attest, shift_create

# What a clock can show at once: work in the night window or on a statutory holiday (at clock-in), and a day
# past its limit (at clock-out). The periodic audit stays the backstop for the weekly rules.
AT_CLOCK_IN = (RuleCode.NIGHT_WORK, RuleCode.HOLIDAY_WORK)
AT_CLOCK_OUT = (RuleCode.NIGHT_WORK, RuleCode.HOLIDAY_WORK, RuleCode.DAILY_HOURS)
NOTIFY_TASK = "rules.notify_violations"


def actual_shift_create(*, actor: Any, placement: Placement, start: dt.datetime, end: dt.datetime) -> Shift:
    """The attested period as the rules' actual shift (the rules re-audit the placement's days at once)."""
    return shift_create(actor=actor, placement=placement, kind=ShiftKind.ACTUAL, start_at=start, end_at=end)


def shift_student_attest(*, actor: Any, shift: Shift, confirmed: bool, note: str = "") -> Shift:
    return shift_attest(actor=actor, shift=shift, confirmed=confirmed, note=note)


def _covered(placement_id: int, finding: wt.Finding) -> bool:
    return ShiftException.objects.filter(
        placement_id=placement_id,
        rule_code=finding.code,
        period_start__lte=finding.period_start,
        period_end__gte=finding.period_end,
    ).exists()


def clock_policy(*, pilot_id: int, start_date: dt.date) -> Policy:
    """The placement's policy as this process read the policy versions at most a minute ago (a clock must stay
    cheap in the morning burst; the audit and every decision read the database)."""
    return recent_policy(pilot_id=pilot_id, on=start_date)


def findings_of(
    *, policy: Policy, spans: Sequence[tuple[dt.datetime, dt.datetime]], rules: Sequence[str]
) -> list[wt.Finding]:
    """What ``rules`` say of ``spans`` (worked or being worked) now; nothing is read but the holiday calendar
    of this process (at most a minute old), nothing is written."""
    shifts = [wt.ShiftSpan(a, b) for a, b in spans if b > a]
    if not shifts:
        return []
    days = wt.touched_days(shifts, policy)
    calendar = recent_calendar_between(min(days) - dt.timedelta(days=1), max(days) + dt.timedelta(days=1))
    return wt.check_worktime(shifts, policy, calendar, rules=rules)


def violations_raise(
    *, placement_id: int, policy: Policy, findings: Sequence[wt.Finding], now: dt.datetime
) -> list[int]:
    """Raise the violations of ``findings``, keyed as the audit keys them (placement, rule, period), so the audit
    and the attested shift later find the same rows. Notifies the coordinator, HR and a minor's guardian as
    every violation does, once the transaction commits. Returns the ids of the violations created."""
    created: list[int] = []
    for f in findings:
        if _covered(placement_id, f):
            continue
        v, was_created = Violation.objects.get_or_create(
            placement_id=placement_id,
            rule_code=f.code,
            period_start=f.period_start,
            period_end=f.period_end,
            defaults={
                "figures": f.figures,
                "severity": Severity.VIOLATION,
                "first_seen": now,
                "last_seen": now,
                "policy_code": policy.code,
            },
        )
        if was_created:
            created.append(v.pk)
        elif v.status != ViolationStatus.RESOLVED:
            v.figures, v.last_seen = f.figures, now
            v.save(update_fields=["figures", "last_seen", "updated_at"])
    if created:
        enqueue_on_commit(NOTIFY_TASK, created)
    return created


def findings_raise(
    *,
    placement: Placement,
    spans: Sequence[tuple[dt.datetime, dt.datetime]],
    rules: Sequence[str],
    now: dt.datetime | None = None,
) -> list[int]:
    """Raise the violations that ``spans`` show now (findings_of, then violations_raise)."""
    policy = clock_policy(pilot_id=placement.pilot_id, start_date=placement.start_date)
    findings = findings_of(policy=policy, spans=spans, rules=rules)
    return violations_raise(
        placement_id=placement.pk, policy=policy, findings=findings, now=now or timezone.now()
    )


def adult_age(placement: Placement) -> int:
    """Below this age the apprentice is a minor (the guardian is told), by the placement's policy."""
    return policy_for_placement(placement).adult_age


def placement_reaudit(*, placement: Placement, lo_day: dt.date, hi_day: dt.date) -> list[int]:
    """Re-audit the placement's ISO weeks of lo_day..hi_day at once (an approved leave waives findings)."""
    from backend.rules.services.audit import placement_worktime_audit

    return placement_worktime_audit(placement=placement, lo_day=lo_day, hi_day=hi_day)


# -- approved leave days count as no work: the rules' absence provider (backend/rules/absence.py) ----------

LEAVE_DAYS_SQL = """
SELECT l.placement_id, d::date
  FROM attendance_leaverequest l
 CROSS JOIN LATERAL generate_series(l.start_date, l.end_date, interval '1 day') d
 WHERE l.status = 'approved'
"""


def leave_days(placement_id: int, lo: dt.date, hi: dt.date) -> set[dt.date]:
    from .models import LeaveRequest, RequestStatus

    days: set[dt.date] = set()
    for start, end in LeaveRequest.objects.filter(
        placement_id=placement_id, status=RequestStatus.APPROVED, start_date__lte=hi, end_date__gte=lo
    ).values_list("start_date", "end_date"):
        day = max(start, lo)
        while day <= min(end, hi):
            days.add(day)
            day += dt.timedelta(days=1)
    return days


def register_leave_absence() -> None:
    from backend.rules.absence import AbsenceProvider, register_absence

    register_absence(AbsenceProvider(days=leave_days, sql=LEAVE_DAYS_SQL))


def violation_texts(*, placement_id: int, ids: Sequence[int]) -> list[tuple[str, str, str]]:
    """(rule code, Chinese, English) of the violations a clock raised at once, for the apprentice's page."""
    from backend.rules.selectors import violation_messages

    return [
        (v.rule_code, *violation_messages(v))
        for v in Violation.objects.filter(placement_id=placement_id, pk__in=ids).order_by("id")
    ]
