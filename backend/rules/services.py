"""Writes for the rules: placement gates, shift entry, exceptions, violations, the audit and its notices."""

from __future__ import annotations

import csv
import datetime
import functools
import io
import itertools
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from backend.core.audit import audit_record
from backend.core.errors import ApplicationError
from backend.placements.models import Placement, PlacementStatus

from . import gates as g
from . import worktime as wt
from .audit_sql import AUTO_RESOLVE_NOTE, SHIFT_RULES, Scope, ScopeGroup, run_worktime_audit
from .messages import describe
from .models import Severity, Shift, ShiftException, ShiftKind, Violation, ViolationStatus
from .policy import Policy
from .selectors import PolicyBook, calendar_between, policy_for_placement

logger = logging.getLogger(__name__)
SH = ZoneInfo("Asia/Shanghai")
# Placements that occupy a mentor, a post and a company's intern quota.
LIVE = (PlacementStatus.PROPOSED, PlacementStatus.SIGNING, PlacementStatus.ACTIVE)
STATUS_RULES = (
    g.MENTOR_RATIO,
    g.COMPANY_CAP,
    g.POST_CAP,
    g.TOTAL_DURATION,
    g.HEALTH_CHECK,
    g.INSURANCE,
    g.MINOR_FORBIDDEN_WORK,
    g.HAZARDOUS_POST,
)


def _today() -> datetime.date:
    return timezone.now().astimezone(SH).date()


# -- gates --------------------------------------------------------------------------------------


def _agreement_signed(placement: Placement) -> bool:
    """Rule AGREEMENT_SIGNED: signed by every party AND sealed into the digitally signed PDF (the signing app
    decides; without it no placement can become active)."""
    if placement.pk is None or not apps.is_installed("backend.signing"):
        return False
    from backend.signing.selectors import agreement_is_sealed

    return agreement_is_sealed(placement)


def _overlapping(qs: Any, placement: Placement) -> Any:
    qs = qs.filter(status__in=LIVE, start_date__lte=placement.end_date, end_date__gte=placement.start_date)
    return qs.exclude(pk=placement.pk) if placement.pk else qs


def _company_periods(placement: Placement) -> tuple[tuple[datetime.date, datetime.date], ...]:
    """The student's periods in companies: stages where given, else the whole placement; this one included."""
    others = Placement.objects.filter(student_id=placement.student_id).exclude(
        status=PlacementStatus.TERMINATED
    )
    if placement.pk:
        others = others.exclude(pk=placement.pk)
    periods: list[tuple[datetime.date, datetime.date]] = []
    for p in [*others.prefetch_related("stages"), placement]:
        stages = list(p.stages.all()) if p.pk else []
        periods += [(s.company_start, s.company_end) for s in stages] or [(p.start_date, p.end_date)]
    return tuple(periods)


def placement_gate_input(placement: Placement) -> g.GateInput:
    student, post = placement.student, placement.post
    company = post.company
    mentor = placement.mentor
    checks = tuple(
        (h.date, h.level) for h in student.health_checks.filter(fit_for_work=True).only("date", "level")
    )
    insurance = (
        tuple((i.kind, i.start_date, i.end_date) for i in placement.insurance_policies.all())
        if placement.pk
        else ()
    )
    return g.GateInput(
        start_date=placement.start_date,
        end_date=placement.end_date,
        student_name=student.name,
        birth_date=student.birth_date,
        cohort_entry_year=student.cohort.entry_year,
        agreement_signed=_agreement_signed(placement),
        mentor_name=mentor.name if mentor else None,
        mentor_other_apprentices=_overlapping(Placement.objects.filter(mentor=mentor), placement).count()
        if mentor
        else 0,
        company_name=company.name,
        company_staff=company.staff_count,
        company_other_interns=_overlapping(
            Placement.objects.filter(post__company=company), placement
        ).count(),
        post_title=post.title,
        post_staff=post.staff_on_post,
        post_other_interns=_overlapping(Placement.objects.filter(post=post), placement).count(),
        post_hazard_tags=frozenset(post.hazard_tags or ()),
        post_wage=post.monthly_wage,
        student_pay=placement.monthly_pay,
        company_periods=_company_periods(placement),
        health_checks=checks,
        insurance=insurance,
    )


def placement_gates_check(
    *, placement: Placement, stage: str, as_of: datetime.date | None = None
) -> g.GateReport:
    """Every gate for a placement under the policy in force on its start date. Writes nothing."""
    policy = policy_for_placement(placement)
    return g.check_gates(placement_gate_input(placement), stage=stage, as_of=as_of or _today(), policy=policy)


def gate_error(report: g.GateReport) -> ApplicationError:
    errors = report.errors
    return ApplicationError(
        errors[0].code if len(errors) == 1 else "GATES_FAILED",
        "未通过准入检查：" + "；".join(e.message for e in errors),
        "the placement fails its gates: " + "; ".join(e.message_en for e in errors),
        details=report.as_dict(),
        status=409,
    )


def placement_gate_guard(placement: Placement, to: str) -> None:
    """Transition guard (registered in RulesConfig.ready): gates on propose and on activate."""
    if to == PlacementStatus.PROPOSED:
        stage = g.PROPOSE
    elif to == PlacementStatus.ACTIVE:
        stage = g.ACTIVATE
    else:
        return
    report = placement_gates_check(placement=placement, stage=stage)
    if not report.passed:
        raise gate_error(report)
    record = {
        "policy": report.policy_code,
        "stage": stage,
        "warnings": [w.as_dict() for w in report.warnings],
    }
    if placement.pk:
        audit_record(actor=None, action="rules.gates_passed", obj=placement, changes=record)
    else:  # proposed by placement_create: the row exists once the transaction commits
        transaction.on_commit(
            lambda: audit_record(actor=None, action="rules.gates_passed", obj=placement, changes=record)
        )


# -- shifts -------------------------------------------------------------------------------------


def _aware(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(value):
        return value.replace(tzinfo=SH)
    return value


def _shift_value(start: datetime.datetime, end: datetime.datetime, ref: Any) -> wt.Shift:
    try:
        return wt.Shift(_aware(start), _aware(end), ref=ref)
    except ValueError as exc:
        raise ApplicationError("SHIFT_INVALID", "班次时间无效", str(exc), details={"row": ref}) from exc


def _exceptions_cover(placement: Placement, finding: wt.Finding) -> bool:
    return ShiftException.objects.filter(
        placement=placement,
        rule_code=finding.code,
        period_start__lte=finding.period_start,
        period_end__gte=finding.period_end,
    ).exists()


def _finding_dict(f: wt.Finding, ref: Any = None) -> dict[str, Any]:
    out = f.as_dict()
    rows = [r for r in f.refs if isinstance(r, int)] if f.refs else []
    if rows:
        out["rows"] = rows
    return out


def _check_shifts(
    placement: Placement, new: Sequence[wt.Shift], kind: str, policy: Policy
) -> list[dict[str, Any]]:
    """Problems that refuse entering ``new`` shifts; [] when they may be stored."""
    problems: list[dict[str, Any]] = []
    tz = ZoneInfo(policy.timezone)
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
            s.start.astimezone(tz).date(),
            (s.end - datetime.timedelta(microseconds=1)).astimezone(tz).date(),
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
        wt.Shift(x.start_at, x.end_at, ref=f"#{x.pk}")
        for x in Shift.objects.filter(placement=placement, kind=kind, start_at__lt=hi, end_at__gt=lo)
    ]
    calendar = calendar_between(
        lo.date() - datetime.timedelta(days=1), hi.date() + datetime.timedelta(days=1)
    )
    rules = wt.ENTRY_RULES if kind == ShiftKind.PLANNED else ()
    for f in wt.check_new_shifts(existing, new, policy, calendar, rules=rules):
        if f.code == wt.OVERLAP or not _exceptions_cover(placement, f):
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
        days = wt.touched_days(new, policy)
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
    spans = []
    for weekday in sorted(days):
        times = days[weekday]
        if not times:
            continue
        day = monday + datetime.timedelta(days=weekday - 1)
        start = datetime.datetime.combine(day, times[0], tzinfo=SH)
        end = datetime.datetime.combine(day, times[1], tzinfo=SH)
        if end <= start:
            end += datetime.timedelta(days=1)
        spans.append((start, end))
    return spans


SHIFT_FILE_HEADERS = ("date", "start", "end")


def parse_shift_file(*, name: str, content: bytes) -> list[tuple[int, Any, Any, Any]]:
    """Rows (row number, date, start, end) of a CSV or XLSX with columns date, start, end (row 1: header)."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    else:
        text = content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
    if not rows or [str(c or "").strip().lower() for c in rows[0][:3]] != list(SHIFT_FILE_HEADERS):
        raise ApplicationError(
            "SHIFT_FILE_HEADER",
            "文件第 1 行须为表头 date,start,end",
            "row 1 of the file must be the header date,start,end",
        )
    return [
        (n, *(list(r) + [None] * 3)[:3])
        for n, r in enumerate(rows[1:], start=2)
        if any(c not in (None, "") for c in r)
    ]


def _parse_cell_date(v: Any) -> datetime.date:
    if isinstance(v, datetime.datetime):
        return v.date()
    if isinstance(v, datetime.date):
        return v
    return datetime.date.fromisoformat(str(v).strip())


def _parse_cell_time(v: Any) -> datetime.time:
    if isinstance(v, datetime.time):
        return v
    if isinstance(v, datetime.datetime):
        return v.time()
    return datetime.time.fromisoformat(str(v).strip())


@transaction.atomic
def shifts_import(*, actor: Any, placement: Placement, kind: str, name: str, content: bytes) -> list[Shift]:
    """A CSV/XLSX of shifts, refused whole when any row is bad, with every bad row's number and reason."""
    rows = parse_shift_file(name=name, content=content)
    spans, refs, problems = [], [], []
    for n, d, a, b in rows:
        try:
            day = _parse_cell_date(d)
            start = datetime.datetime.combine(day, _parse_cell_time(a), tzinfo=SH)
            end = datetime.datetime.combine(day, _parse_cell_time(b), tzinfo=SH)
        except (TypeError, ValueError):
            problems.append(
                {
                    "code": "SHIFT_ROW_INVALID",
                    "row": n,
                    "message": f"第 {n} 行：日期或时间格式错误",
                    "message_en": f"row {n}: the date or a time cannot be read",
                }
            )
            continue
        if end <= start:
            end += datetime.timedelta(days=1)
        spans.append((start, end))
        refs.append(n)
    if problems:
        raise ApplicationError(
            "SHIFT_FILE_INVALID",
            "文件未导入：有无法读取的行",
            "file refused: unreadable rows",
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
    if rule_code not in wt.ENTRY_RULES + (wt.OVERTIME,):
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


# -- violations ---------------------------------------------------------------------------------


@transaction.atomic
def violation_acknowledge(*, actor: Any, violation: Violation, note: str = "") -> Violation:
    if violation.status != ViolationStatus.OPEN:
        raise ApplicationError(
            "VIOLATION_NOT_OPEN",
            "只有待处理的记录可以确认知悉",
            "only an open violation can be acknowledged",
            status=409,
        )
    violation.status = ViolationStatus.ACKNOWLEDGED
    violation.note = note
    violation.save(update_fields=["status", "note", "updated_at"])
    audit_record(actor=actor, action="rules.violation_acknowledge", obj=violation, changes={"note": note})
    return violation


@transaction.atomic
def violation_resolve(*, actor: Any, violation: Violation, note: str) -> Violation:
    if violation.status == ViolationStatus.RESOLVED:
        raise ApplicationError(
            "VIOLATION_RESOLVED", "该记录已解决", "the violation is already resolved", status=409
        )
    if not note.strip():
        raise ApplicationError("RESOLVE_NOTE", "请说明处理方式", "say how it was resolved")
    violation.status = ViolationStatus.RESOLVED
    violation.resolved_by = actor
    violation.resolved_at = timezone.now()
    violation.note = note
    violation.save(update_fields=["status", "resolved_by", "resolved_at", "note", "updated_at"])
    audit_record(actor=actor, action="rules.violation_resolve", obj=violation, changes={"note": note})
    return violation


def violation_messages(v: Violation) -> tuple[str, str]:
    return describe(v.rule_code, v.period_start, v.period_end, v.figures)


def _upsert_findings(
    *,
    placement_id: int,
    policy_code: str,
    findings: Iterable[tuple[str, datetime.date, datetime.date, dict[str, Any], str]],
    rules: Sequence[str],
    window: tuple[datetime.date, datetime.date] | None,
    now: datetime.datetime,
) -> list[int]:
    """ORM upsert of one placement's findings (code, start, end, figures, severity); resolves the rest.

    Returns the ids of violations created. Used on shift entry and by the status audit; the full
    working-time audit does the same in set-based SQL (audit_sql).
    """
    created: list[int] = []
    seen: set[tuple[str, datetime.date, datetime.date]] = set()
    for code, start, end, figures, severity in findings:
        seen.add((code, start, end))
        v, was_created = Violation.objects.get_or_create(
            placement_id=placement_id,
            rule_code=code,
            period_start=start,
            period_end=end,
            defaults={
                "figures": figures,
                "severity": severity,
                "first_seen": now,
                "last_seen": now,
                "policy_code": policy_code,
            },
        )
        if was_created:
            created.append(v.pk)
            continue
        if v.status == ViolationStatus.RESOLVED and v.resolved_by_id is not None:
            continue  # a person resolved it; the audit does not overrule them
        v.last_seen, v.figures, v.severity = now, figures, severity
        if v.status == ViolationStatus.RESOLVED:
            v.status, v.resolved_at = ViolationStatus.OPEN, None
        v.save(update_fields=["last_seen", "figures", "severity", "status", "resolved_at", "updated_at"])
    stale = Violation.objects.filter(
        placement_id=placement_id,
        rule_code__in=rules,
        status__in=(ViolationStatus.OPEN, ViolationStatus.ACKNOWLEDGED),
    )
    if window:
        stale = stale.filter(period_start__gte=window[0], period_end__lte=window[1])
    for v in stale:
        if (v.rule_code, v.period_start, v.period_end) not in seen:
            v.status, v.resolved_at, v.note = ViolationStatus.RESOLVED, now, AUTO_RESOLVE_NOTE
            v.save(update_fields=["status", "resolved_at", "note", "updated_at"])
    return created


def placement_worktime_audit(
    *,
    placement: Placement,
    lo_day: datetime.date,
    hi_day: datetime.date,
    policy: Policy | None = None,
    now: datetime.datetime | None = None,
    notify: bool = True,
) -> list[int]:
    """Re-audit one placement's ISO weeks around lo_day..hi_day in Python (small: one placement)."""
    policy = policy or policy_for_placement(placement)
    now = now or timezone.now()
    lo_week = lo_day - datetime.timedelta(days=lo_day.isoweekday() - 1)
    hi_week = hi_day + datetime.timedelta(days=7 - hi_day.isoweekday())
    lo = datetime.datetime.combine(lo_week, datetime.time(), tzinfo=SH)
    hi = datetime.datetime.combine(hi_week + datetime.timedelta(days=1), datetime.time(), tzinfo=SH)
    rows = Shift.objects.filter(placement=placement, start_at__lt=hi, end_at__gt=lo).values_list(
        "kind", "start_at", "end_at"
    )
    actual = [wt.Shift(a, b) for k, a, b in rows if k == ShiftKind.ACTUAL]
    planned = [wt.Shift(a, b) for k, a, b in rows if k == ShiftKind.PLANNED]
    calendar = calendar_between(lo_week, hi_week)
    found = [
        f
        for f in wt.check_worktime(actual, policy, calendar, rules=wt.WORKTIME_RULES, planned=planned)
        if lo_week <= f.period_start and f.period_end <= hi_week and not _exceptions_cover(placement, f)
    ]
    created = _upsert_findings(
        placement_id=placement.pk,
        policy_code=policy.code,
        findings=[(f.code, f.period_start, f.period_end, f.figures, Severity.VIOLATION) for f in found],
        rules=SHIFT_RULES,
        window=(lo_week, hi_week),
        now=now,
    )
    if created and notify:
        _enqueue_notify(created)
    return created


def _enqueue_notify(ids: list[int]) -> None:
    from worker.tasks.rules import notify_violations

    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        transaction.on_commit(functools.partial(notify_violations.delay, chunk))


# -- the audit ----------------------------------------------------------------------------------


def _active_placements() -> Any:
    return Placement.objects.filter(status=PlacementStatus.ACTIVE)


def active_placements() -> Any:
    """Every active placement (the monthly summaries fan out over them)."""
    return _active_placements()


def _full_audit_span() -> tuple[datetime.date, datetime.date] | None:
    """The local days the full audit covers: every shift's, and every open shift-rule violation's (whose shifts
    may since have been corrected or deleted, so that nothing else brings its weeks into the audit)."""
    first = Shift.objects.order_by("start_at").values_list("start_at", flat=True).first()
    last = Shift.objects.order_by("-start_at").values_list("end_at", flat=True).first()
    days = [d.astimezone(SH).date() for d in (first, last) if d is not None]
    still_open = Violation.objects.filter(
        status__in=[ViolationStatus.OPEN, ViolationStatus.ACKNOWLEDGED], rule_code__in=SHIFT_RULES
    ).aggregate(lo=Min("period_start"), hi=Max("period_end"))
    days += [d for d in still_open.values() if d is not None]
    return (min(days), max(days)) if days else None


def audit_scopes(book: PolicyBook | None = None) -> list[Scope]:
    """The active placements, grouped by the policy figures that judge them: one scope per night window (in
    practice one: every policy version so far shares 22:00-06:00)."""
    book = book or PolicyBook()
    active = _active_placements().order_by()
    by_window: dict[tuple[int, int], list[ScopeGroup]] = defaultdict(list)
    for pilot_id, start in active.values_list("pilot_id", "start_date").distinct():
        p = book.policy(pilot_id=pilot_id, on=start)
        group = ScopeGroup(
            pilot_id=pilot_id,
            start_date=start,
            policy_code=p.code,
            max_daily_minutes=p.max_daily_minutes,
            max_weekly_minutes=p.max_weekly_minutes,
            min_rest_days=p.min_rest_days_per_week,
            max_overtime_minutes=p.max_overtime_minutes,
            night_start_seconds=p.night_start.hour * 3600 + p.night_start.minute * 60,
            night_end_seconds=p.night_end.hour * 3600 + p.night_end.minute * 60,
        )
        by_window[(group.night_start_seconds, group.night_end_seconds)].append(group)
    sql, params = active.values_list("pk", "pilot_id", "start_date").query.sql_with_params()
    return [
        Scope(groups=groups, placements_sql=sql, placements_params=params) for groups in by_window.values()
    ]


def _week_parts(
    lo_week: datetime.date, hi_week: datetime.date, n: int
) -> list[tuple[datetime.date, datetime.date]]:
    """lo_week (a Monday) .. hi_week (a Sunday) cut into at most n runs of whole ISO weeks, as even as can be."""
    weeks = ((hi_week - lo_week).days + 1) // 7
    cuts = sorted({round(weeks * k / n) for k in range(n + 1)})
    week = datetime.timedelta(days=7)
    return [
        (lo_week + a * week, lo_week + b * week - datetime.timedelta(days=1))
        for a, b in itertools.pairwise(cuts)
    ]


def _worktime_audit_part(scope: Scope, lo: datetime.date, hi: datetime.date, *, now: datetime.datetime):
    with transaction.atomic(), connection.cursor() as cursor:
        return run_worktime_audit(cursor.cursor, scope=scope, lo_day=lo, hi_day=hi, now=now)


def _run_parts(fn, parts: list[tuple], *, workers: int, **kwargs) -> list:
    """fn(*part, **kwargs) for every part, here or on ``workers`` threads with a database connection each: the
    result of each part, or the exception it raised (one part failing must not lose what the others did)."""
    threaded = workers > 1 and len(parts) > 1

    def run(part: tuple):
        try:
            return fn(*part, **kwargs)
        except Exception as exc:  # noqa: BLE001 - handed back to the caller, which raises it
            return exc
        finally:
            if threaded:
                connection.close()  # this thread's connection

    if not threaded:
        return [run(part) for part in parts]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="worktime-audit") as pool:
        return list(pool.map(run, parts))


def worktime_audit(
    *,
    lo_day: datetime.date | None = None,
    hi_day: datetime.date | None = None,
    now: datetime.datetime | None = None,
    notify: bool = True,
) -> dict[str, Any]:
    """The working-time audit of every active placement: all days (full) or lo_day..hi_day's ISO weeks.

    PostgreSQL: set-based SQL (audit_sql). Other databases (the SQLite demo): the pure rules per placement.
    """
    now = now or timezone.now()
    full = lo_day is None
    if full:
        span = _full_audit_span()
        if span is None:
            return {"placements": 0, "findings": 0, "created": 0, "resolved": 0}
        lo_day, hi_day = span
    assert lo_day is not None
    hi_day = hi_day or lo_day
    lo_week = lo_day - datetime.timedelta(days=lo_day.isoweekday() - 1)
    hi_week = hi_day + datetime.timedelta(days=7 - hi_day.isoweekday())
    if connection.vendor == "postgresql":
        scopes = audit_scopes()
        # The full audit uses every core the database may: its weeks are split into parts, each a complete,
        # idempotent audit of its weeks in its own transaction on its own connection. (Not inside a caller's
        # transaction: other connections would not see its uncommitted rows.)
        workers = settings.XUETU_AUDIT_WORKERS if full and not connection.in_atomic_block else 1
        parts = [(scope, lo, hi) for scope in scopes for lo, hi in _week_parts(lo_week, hi_week, workers)]
        outcomes = _run_parts(_worktime_audit_part, parts, now=now, workers=workers)
        failures = [o for o in outcomes if isinstance(o, Exception)]
        done = [(o, part) for o, part in zip(outcomes, parts, strict=True) if not isinstance(o, Exception)]
        results = [r for r, _ in done]
        created = [pk for r in results for pk in r.created]
        summary: dict[str, Any] = {
            # every part of a scope covers the same placements: count each scope's first part
            "placements": sum(r.placements for r, (_, lo, _) in done if lo == lo_week),
            "findings": sum(r.findings for r in results),
            "created": len(created),
            "resolved": sum(r.resolved for r in results),
            "parts": len(parts),
            "seconds": {step: max(r.seconds[step] for r in results) for step in results[0].seconds}
            if results
            else {},
        }
    else:
        created = []
        book = PolicyBook()
        ids = _active_placements().values_list("pk", flat=True)
        for placement in Placement.objects.filter(pk__in=list(ids)).select_related("pilot"):
            policy = book.policy(pilot_id=placement.pilot_id, on=placement.start_date)
            with transaction.atomic():
                created += placement_worktime_audit(
                    placement=placement, lo_day=lo_week, hi_day=hi_week, policy=policy, now=now, notify=False
                )
        summary = {"placements": len(ids), "created": len(created)}
        failures = []
    if created and notify:
        with transaction.atomic():
            _enqueue_notify(created)
    if (
        failures
    ):  # after the notices of the parts that committed; the failed weeks are audited on the next run
        raise failures[0]
    return summary


def status_audit(
    *, as_of: datetime.date | None = None, now: datetime.datetime | None = None, notify: bool = True
) -> dict[str, Any]:
    """Gate-type rules re-checked for every active placement: mentor ratio, caps, insurance and health checks
    (lapsed: violation; lapsing within the warning days: warning), minors on forbidden work (a student turning
    18 resolves it), hazardous posts, total time in companies. Counts are set-based (one aggregate each)."""
    from django.db.models import Count

    as_of = as_of or _today()
    now = now or timezone.now()
    book = PolicyBook()
    active = _active_placements()
    per_mentor = dict(active.exclude(mentor=None).values_list("mentor").annotate(n=Count("id")))
    per_company = dict(active.values_list("post__company").annotate(n=Count("id")))
    per_post = dict(active.values_list("post").annotate(n=Count("id")))
    placements = active.select_related("student", "post__company", "mentor").prefetch_related(
        "insurance_policies", "student__health_checks", "stages"
    )
    periods: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
    for p in (
        Placement.objects.filter(student__in=active.values("student"))
        .exclude(status=PlacementStatus.TERMINATED)
        .prefetch_related("stages")
    ):
        periods[p.student_id] += [(s.company_start, s.company_end) for s in p.stages.all()] or [
            (p.start_date, p.end_date)
        ]
    created: list[int] = []
    count = 0
    for p in placements:
        count += 1
        policy = book.policy(pilot_id=p.pilot_id, on=p.start_date)
        warn_until = as_of + datetime.timedelta(days=policy.warn_days_ahead)
        findings: list[tuple[str, datetime.date, datetime.date, dict[str, Any], str]] = []

        def add(
            results: list[g.GateResult],
            start: datetime.date,
            end: datetime.date,
            severity: str,
            findings: list = findings,
        ) -> None:
            for r in results:
                figures = {**r.figures, "message": r.message, "message_en": r.message_en}
                findings.append(
                    (r.code, start, end, figures, Severity.WARNING if r.severity == g.WARNING else severity)
                )

        if p.mentor_id:
            add(
                g.check_mentor_ratio(
                    mentor_name=p.mentor.name, other_apprentices=per_mentor[p.mentor_id] - 1, policy=policy
                ),
                p.start_date,
                p.end_date,
                Severity.VIOLATION,
            )
        add(
            g.check_company_cap(
                company_name=p.post.company.name,
                staff=p.post.company.staff_count,
                other_interns=per_company[p.post.company_id] - 1,
                policy=policy,
            ),
            p.start_date,
            p.end_date,
            Severity.VIOLATION,
        )
        add(
            g.check_post_cap(
                post_title=p.post.title,
                staff_on_post=p.post.staff_on_post,
                other_interns=per_post[p.post_id] - 1,
                policy=policy,
            ),
            p.start_date,
            p.end_date,
            Severity.VIOLATION,
        )
        add(
            g.check_total_duration(
                student_name=p.student.name, company_periods=periods[p.student_id], policy=policy
            ),
            p.start_date,
            p.end_date,
            Severity.VIOLATION,
        )
        # a minor's protections end on the 18th birthday: judged as of today, not the start date
        minor_day = max(as_of, p.start_date)
        add(
            g.check_minor_forbidden_work(
                student_name=p.student.name,
                birth_date=p.student.birth_date,
                start_date=minor_day,
                post_title=p.post.title,
                hazard_tags=p.post.hazard_tags or (),
                policy=policy,
            ),
            p.start_date,
            p.end_date,
            Severity.VIOLATION,
        )
        add(
            g.check_hazardous_post(
                post_title=p.post.title, hazard_tags=p.post.hazard_tags or (), policy=policy
            ),
            p.start_date,
            p.end_date,
            Severity.VIOLATION,
        )
        ins = [(i.kind, i.start_date, i.end_date) for i in p.insurance_policies.all()]
        for kind in sorted(policy.insurance_kinds):
            gap = g.first_uncovered_day([(a, b) for k, a, b in ins if k == kind], p.start_date, p.end_date)
            if gap is not None and gap <= warn_until:
                severity = Severity.VIOLATION if gap <= as_of else Severity.WARNING
                add(
                    [
                        r
                        for r in g.check_insurance(
                            insurance=ins,
                            start_date=p.start_date,
                            end_date=p.end_date,
                            severity=severity,
                            policy=policy,
                        )
                        if r.figures["kind"] == kind
                    ],
                    gap,
                    p.end_date,
                    severity,
                )
        checks = [
            (h.date, h.level) for h in p.student.health_checks.all() if h.fit_for_work and h.date <= as_of
        ]
        due, reason = g.health_check_due(
            birth_date=p.student.birth_date, checks=checks, first_work_date=p.start_date, policy=policy
        )
        if due is not None and due <= warn_until and due <= p.end_date:
            severity = Severity.VIOLATION if due <= as_of else Severity.WARNING
            add(
                g.check_health(
                    student_name=p.student.name,
                    birth_date=p.student.birth_date,
                    checks=checks,
                    start_date=p.start_date,
                    as_of=max(as_of, due),
                    severity=severity,
                    policy=policy,
                ),
                due,
                due,
                severity,
            )
        with transaction.atomic():
            created += _upsert_findings(
                placement_id=p.pk,
                policy_code=policy.code,
                findings=findings,
                rules=STATUS_RULES,
                window=None,
                now=now,
            )
    if created and notify:
        with transaction.atomic():
            _enqueue_notify(created)
    return {"placements": count, "created": len(created)}


# -- notices ------------------------------------------------------------------------------------


def _recipients(
    placement: Placement, *, minor_on: datetime.date | None, guardians: bool = False
) -> list[Any]:
    """Coordinators of the school and HR of the company; guardians always (``guardians``) or for a minor."""
    from backend.accounts.models import User

    q = Q(role="coordinator", school_id=placement.pilot.school_id) | Q(
        role="hr", company_id=placement.post.company_id
    )
    if guardians or (minor_on is not None and g.age_on(placement.student.birth_date, minor_on) < 18):
        q |= Q(role="guardian", guardian__student_id=placement.student_id)
    return list(User.objects.filter(q, is_active=True))


def violations_notify(*, violation_ids: Sequence[int]) -> int:
    """Tell the coordinator and HR at once (and the guardian of a minor): once per violation and severity."""
    from backend.notices.services import notice_send

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
            recipients=_recipients(p, minor_on=v.period_start),
            kind=f"rules.{v.severity}",
            title=f"【{label}】{p.student.name}：{v.rule_code}",
            body=f"{zh}\n{en}\n规则版本 / policy: {v.policy_code}",
            link=f"/api/v1/violations/{v.pk}/",
            dedupe_key=f"violation:{v.pk}:{v.severity}",
        )
        Violation.objects.filter(pk=v.pk).update(notified_severity=v.severity)
        sent += len(notices)
    return sent


def placement_monthly_summary(*, placement: Placement, month: datetime.date) -> dict[str, Any]:
    """信息通报 figures for one placement and calendar month: hours worked, violations, what falls due."""
    first = month.replace(day=1)
    nxt = g.add_months(first, 1)
    lo = datetime.datetime.combine(first, datetime.time(), tzinfo=SH)
    hi = datetime.datetime.combine(nxt, datetime.time(), tzinfo=SH)
    seconds = 0.0
    for a, b in Shift.objects.filter(
        placement=placement, kind=ShiftKind.ACTUAL, start_at__lt=hi, end_at__gt=lo
    ).values_list("start_at", "end_at"):
        seconds += (min(b, hi) - max(a, lo)).total_seconds()
    violations = Violation.objects.filter(placement=placement, period_start__lt=nxt, period_end__gte=first)
    states = {s: violations.filter(status=s).count() for s in ViolationStatus.values}
    due = [
        {"stage": s.name, "company_end": s.company_end.isoformat()}
        for s in placement.stages.filter(company_end__gte=nxt, company_end__lt=g.add_months(nxt, 1))
    ]
    if nxt <= placement.end_date < g.add_months(nxt, 1):
        due.append({"stage": "placement", "company_end": placement.end_date.isoformat()})
    return {
        "month": first.strftime("%Y-%m"),
        "hours": round(seconds / 3600, 2),
        "violations": states,
        "assessments_due": due,
    }


def monthly_summaries_send(*, month: datetime.date, placement_ids: Sequence[int] | None = None) -> int:
    from backend.notices.services import notice_send

    qs = _active_placements().select_related("student", "post", "pilot")
    if placement_ids is not None:
        qs = qs.filter(pk__in=placement_ids)
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
                recipients=_recipients(p, minor_on=month, guardians=True),
                kind="rules.monthly_summary",
                title=f"信息通报 {s['month']}：{p.student.name}",
                body=body,
                link=f"/api/v1/placements/{p.pk}/",
                dedupe_key=f"summary:{p.pk}:{s['month']}",
            )
        )
    return sent
