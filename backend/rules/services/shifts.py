"""Shift entry: one shift, a week grid, a CSV/XLSX file; the student's attestation; exceptions filed with the
authority. Planned shifts are checked against the working-time rules before they are stored; actual hours are
stored as reported and audited at once."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role
from backend.core.audit import audit_record
from backend.core.clock import RULES_ZONE, local_date, local_today
from backend.core.errors import ApplicationError
from backend.placements.models import Placement, PlacementStatus
from backend.rules import worktime
from backend.rules.codes import RuleCode
from backend.rules.models import Shift, ShiftException, ShiftKind
from backend.rules.policy import Policy
from backend.rules.selectors import calendar_between, exception_covers, policy_for_placement
from backend.rules.shift_files import parse_shift_file, rows_to_spans
from backend.rules.worktime import Finding, ShiftSpan

from .audit import placement_worktime_audit

# Who records an exception filed with the authority: the school (an administrator too), never the company.
EXCEPTION_RECORDERS: tuple[str, ...] = (Role.COORDINATOR, Role.ADMIN)


def _aware(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(value):
        return value.replace(tzinfo=RULES_ZONE)
    return value


# Shifts are worked in this century: outside it a date is a typing error (and near year 9999 the day
# arithmetic of the checks would overflow).
EARLIEST_DAY = datetime.date(2000, 1, 1)
LATEST_DAY = datetime.date(2099, 12, 31)


def _date_range_error(ref: Any) -> ApplicationError:
    return ApplicationError(
        "SHIFT_DATE_RANGE",
        f"班次日期须在 {EARLIEST_DAY.isoformat()} 至 {LATEST_DAY.isoformat()} 之间",
        f"a shift's date must fall between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}",
        details={"row": ref},
    )


def _shift_value(start: datetime.datetime, end: datetime.datetime, ref: Any) -> ShiftSpan:
    start, end = _aware(start), _aware(end)
    lo = datetime.datetime.combine(EARLIEST_DAY, datetime.time(), tzinfo=RULES_ZONE)
    hi = datetime.datetime.combine(LATEST_DAY, datetime.time(), tzinfo=RULES_ZONE)
    if not (lo <= start <= hi and lo <= end <= hi):
        raise _date_range_error(ref)
    try:
        return ShiftSpan(start, end, ref=ref)
    except ValueError as exc:
        raise ApplicationError("SHIFT_INVALID", "班次时间无效", str(exc), details={"row": ref}) from exc


def _finding_dict(f: Finding, ref: Any = None) -> dict[str, Any]:
    out = f.as_dict()
    rows = [r for r in f.refs if isinstance(r, int)] if f.refs else []
    if rows:
        out["rows"] = rows
    return out


def _check_shifts(
    placement: Placement, new: Sequence[ShiftSpan], kind: str, policy: Policy
) -> list[dict[str, Any]]:
    """Problems that refuse entering ``new`` shifts; [] when they may be stored."""
    problems: list[dict[str, Any]] = []
    for s in new:
        if s.end - s.start > datetime.timedelta(hours=24):
            problems.append(
                {
                    "code": "SHIFT_TOO_LONG",
                    "row": s.ref,
                    "message": "单个班次不得超过 24 小时",
                    "message_en": "a shift may last at most 24 hours",
                }
            )
        first, last = (
            local_date(s.start),
            local_date(s.end - datetime.timedelta(microseconds=1)),
        )
        if first < placement.start_date or last > placement.end_date:
            problems.append(
                {
                    "code": "SHIFT_OUTSIDE_PLACEMENT",
                    "row": s.ref,
                    "message": f"班次日期不在实习期 {placement.start_date} 至 {placement.end_date} 内",
                    "message_en": f"the shift falls outside the placement {placement.start_date} to {placement.end_date}",
                }
            )
    if problems:
        return problems
    lo = min(s.start for s in new) - datetime.timedelta(days=8)
    hi = max(s.end for s in new) + datetime.timedelta(days=8)
    existing = [
        ShiftSpan(x.start_at, x.end_at, ref=f"#{x.pk}")
        for x in Shift.objects.filter(placement=placement, kind=kind, start_at__lt=hi, end_at__gt=lo)
    ]
    calendar = calendar_between(
        lo.date() - datetime.timedelta(days=1), hi.date() + datetime.timedelta(days=1)
    )
    rules = worktime.ENTRY_RULES if kind == ShiftKind.PLANNED else ()
    for f in worktime.check_new_shifts(existing, new, policy, calendar, rules=rules):
        if f.code == worktime.OVERLAP or not exception_covers(placement_id=placement.pk, finding=f):
            problems.append(_finding_dict(f))
    return problems


@transaction.atomic
def shifts_enter(
    *,
    actor: Any,
    placement: Placement,
    kind: str,
    spans: Sequence[tuple[datetime.datetime, datetime.datetime]],
    refs: Sequence[Any] | None = None,
) -> list[Shift]:
    """Enter shifts for one placement, all or nothing.

    Planned shifts breaking DAILY_HOURS, WEEKLY_HOURS, NIGHT_WORK, HOLIDAY_WORK or REST_DAY are refused unless an
    exception filed with the authority covers the rule and period; overlapping shifts are always refused. Actual
    hours are stored as reported (the truth is recorded) and the placement's days are re-audited at once.
    """
    if kind not in ShiftKind.values:
        raise ApplicationError("SHIFT_KIND", "班次类型无效", f"unknown shift kind {kind!r}")
    if not spans:
        raise ApplicationError("SHIFT_EMPTY", "没有班次", "no shifts given")
    placement = Placement.objects.select_for_update().select_related("pilot").get(pk=placement.pk)
    if placement.status in (PlacementStatus.COMPLETED, PlacementStatus.TERMINATED):
        raise ApplicationError(
            "PLACEMENT_CLOSED", "已完成或已终止的学徒安排不能录入班次", "the placement is closed", status=409
        )
    refs = list(refs) if refs is not None else list(range(1, len(spans) + 1))
    new = [_shift_value(a, b, ref) for (a, b), ref in zip(spans, refs, strict=True)]
    policy = policy_for_placement(placement)
    problems = _check_shifts(placement, new, kind, policy)
    if problems:
        first = problems[0]
        raise ApplicationError(
            first["code"] if len({p["code"] for p in problems}) == 1 else "SHIFTS_REFUSED",
            "班次未录入：" + "；".join(p["message"] for p in problems),
            "shifts not entered: " + "; ".join(p["message_en"] for p in problems),
            details={"policy": policy.code, "problems": problems},
        )
    user = actor if getattr(actor, "pk", None) else None
    shifts = Shift.objects.bulk_create(
        [Shift(placement=placement, kind=kind, start_at=s.start, end_at=s.end, entered_by=user) for s in new]
    )
    audit_record(
        actor=actor,
        action=f"rules.shifts_{kind}",
        obj=placement,
        changes={"count": len(shifts), "policy": policy.code, "first": new[0].start, "last": new[-1].end},
    )
    if kind == ShiftKind.ACTUAL:
        days = worktime.touched_days(new, policy)
        placement_worktime_audit(placement=placement, lo_day=min(days), hi_day=max(days), policy=policy)
    return shifts


def shift_create(
    *, actor: Any, placement: Placement, kind: str, start_at: datetime.datetime, end_at: datetime.datetime
) -> Shift:
    return shifts_enter(actor=actor, placement=placement, kind=kind, spans=[(start_at, end_at)])[0]


def week_grid_spans(
    *, monday: datetime.date, days: dict[int, tuple[datetime.time, datetime.time] | None]
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """A week grid: ISO weekday (1-7) -> (start, end) local times; an end at or before the start is the next day."""
    if monday.isoweekday() != 1:
        raise ApplicationError("WEEK_NOT_MONDAY", "周排班须从星期一开始", "a week grid starts on a Monday")
    if not EARLIEST_DAY <= monday <= LATEST_DAY - datetime.timedelta(days=7):
        raise _date_range_error("monday")
    unknown = sorted(str(d) for d in days if d not in range(1, 8))
    if unknown:
        raise ApplicationError(
            "WEEK_DAY_INVALID",
            "周排班的日期须为星期几的序号 1 至 7",
            "a week grid's days are ISO weekdays 1 to 7",
            details={"days": unknown},
        )
    spans = []
    for weekday in sorted(days):
        times = days[weekday]
        if not times:
            continue
        day = monday + datetime.timedelta(days=weekday - 1)
        start = datetime.datetime.combine(day, times[0], tzinfo=RULES_ZONE)
        end = datetime.datetime.combine(day, times[1], tzinfo=RULES_ZONE)
        if end <= start:
            end += datetime.timedelta(days=1)
        spans.append((start, end))
    return spans


@transaction.atomic
def shifts_import(
    *,
    actor: Any,
    placement: Placement,
    kind: str,
    name: str,
    content: bytes,
    today: datetime.date | None = None,
) -> list[Shift]:
    """A CSV/XLSX of shifts (header 日期,开始,结束 or date,start,end), refused whole when any row is bad, with every
    bad row's number and reason. Actual hours are hours worked: a row after ``today`` (default: today in the rules'
    zone) is refused."""
    rows = parse_shift_file(name=name, content=content)
    latest = (today or local_today()) if kind == ShiftKind.ACTUAL else None
    spans, refs, problems = rows_to_spans(rows, latest_day=latest)
    if problems:
        raise ApplicationError(
            "SHIFT_FILE_INVALID",
            "文件未导入：有无法读取或不能接受的行",
            "file refused: rows that cannot be read or accepted",
            details={"problems": problems},
        )
    if not spans:
        raise ApplicationError("SHIFT_EMPTY", "文件中没有班次", "the file holds no shifts")
    try:
        return shifts_enter(actor=actor, placement=placement, kind=kind, spans=spans, refs=refs)
    except ApplicationError as exc:
        for p in exc.details.get("problems", []) if isinstance(exc.details, dict) else []:
            rows_of = p.get("rows") or ([p["row"]] if "row" in p else [])
            if rows_of:
                p["message"] = f"第 {', '.join(map(str, rows_of))} 行：{p['message']}"
                p["message_en"] = f"row {', '.join(map(str, rows_of))}: {p['message_en']}"
        raise


@transaction.atomic
def shift_attest(*, actor: Any, shift: Shift, confirmed: bool, note: str = "") -> Shift:
    """The student confirms or disputes reported hours (two-party attestation)."""
    if getattr(actor, "student_id", None) != shift.placement.student_id:
        raise ApplicationError(
            "ATTEST_NOT_STUDENT", "只有学徒本人可以确认工时", "only the apprentice attests hours", status=403
        )
    if shift.kind != ShiftKind.ACTUAL:
        raise ApplicationError(
            "ATTEST_PLANNED", "排班无需确认，只确认实际工时", "only actual hours are attested"
        )
    if not confirmed and not note.strip():
        raise ApplicationError("DISPUTE_NOTE", "有异议时请说明原因", "a dispute needs a note")
    shift.attestation = "confirmed" if confirmed else "disputed"
    shift.dispute_note = "" if confirmed else note
    shift.attested_at = timezone.now()
    shift.save(update_fields=["attestation", "dispute_note", "attested_at"])
    audit_record(
        actor=actor, action="rules.shift_attest", obj=shift, changes={"attestation": shift.attestation}
    )
    return shift


@transaction.atomic
def shift_exception_create(
    *,
    actor: Any,
    placement: Placement,
    rule_code: str,
    period_start: datetime.date,
    period_end: datetime.date,
    authority_reference: str,
    approver: str,
    note: str = "",
) -> ShiftException:
    """The school records an exception filed with the authority (报上级主管部门备案): its reference and approver.
    Never the company for itself (a conflict of interest: the exception lifts the company's own violations)."""
    if not (getattr(actor, "is_superuser", False) or getattr(actor, "role", None) in EXCEPTION_RECORDERS):
        raise ApplicationError(
            "EXCEPTION_SCHOOL_ONLY",
            "备案例外只能由学校录入（须有主管部门的备案文号和批准人）",
            "only the school records an exception, with the authority's reference and approver",
            status=403,
        )
    if period_end < period_start:
        raise ApplicationError(
            "EXCEPTION_PERIOD",
            "例外的结束日期不能早于开始日期",
            "the exception's period ends before it starts",
            details={"period_start": period_start.isoformat(), "period_end": period_end.isoformat()},
        )
    if rule_code not in worktime.ENTRY_RULES + (RuleCode.OVERTIME,):
        raise ApplicationError(
            "EXCEPTION_RULE", "该规则不能备案例外", f"no exception can be filed for {rule_code}"
        )
    if not authority_reference.strip() or not approver.strip():
        raise ApplicationError(
            "EXCEPTION_REFERENCE", "须填写备案文号和批准人", "the reference and the approver are required"
        )
    exc = ShiftException.objects.create(
        placement=placement,
        rule_code=rule_code,
        period_start=period_start,
        period_end=period_end,
        authority_reference=authority_reference,
        approver=approver,
        note=note,
        filed_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="rules.exception_create",
        obj=exc,
        changes={"rule": rule_code, "period": [period_start, period_end], "reference": authority_reference},
    )
    return exc
