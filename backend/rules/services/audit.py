"""The audits: working time (every active placement's shifts, set-based SQL on PostgreSQL, threaded over whole
ISO weeks; one placement in Python on shift entry) and status (the gate-type rules re-checked: a thin loader
around the pure ``backend.rules.status``). Both upsert violations idempotently and resolve what no longer holds."""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from backend.core.clock import RULES_ZONE, local_today
from backend.placements.models import Placement, PlacementStatus
from backend.rules import absence, worktime
from backend.rules.audit_sql import (
    AUTO_RESOLVE_NOTE,
    REOPEN_NOTE,
    SHIFT_RULES,
    Scope,
    ScopeGroup,
    run_worktime_audit,
)
from backend.rules.models import Severity, Shift, ShiftKind, Violation, ViolationStatus
from backend.rules.pauses import paused_periods
from backend.rules.policy import Policy
from backend.rules.selectors import (
    PolicyBook,
    active_placements,
    calendar_between,
    exception_covers,
    full_audit_span,
    policy_for_placement,
)
from backend.rules.status import STATUS_RULES, StatusInput, status_findings

from .notices import enqueue_violation_notices


def upsert_findings(
    *,
    placement_id: int,
    policy_code: str,
    findings: Iterable[tuple[str, datetime.date, datetime.date, dict[str, Any], str]],
    rules: Sequence[str],
    window: tuple[datetime.date, datetime.date] | None,
    now: datetime.datetime,
) -> tuple[list[int], list[int]]:
    """ORM upsert of one placement's findings (code, start, end, figures, severity); resolves the rest.

    A resolved violation whose finding is seen again is reopened, whoever resolved it (an exception filed with
    the authority removes the finding before it gets here). Returns the ids of the violations created and of
    those a person had resolved and that are reopened (both are told). Used on shift entry and by the status
    audit; the full working-time audit does the same in set-based SQL (audit_sql).
    """
    created: list[int] = []
    reopened: list[int] = []
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
        v.last_seen, v.figures, v.severity = now, figures, severity
        fields = ["last_seen", "figures", "severity", "updated_at"]
        if v.status == ViolationStatus.RESOLVED:
            if v.resolved_by_id is not None:  # a person resolved it, yet the condition still holds
                reopened.append(v.pk)
                v.note, v.notified_severity = REOPEN_NOTE, ""
                fields += ["note", "notified_severity"]
            v.status, v.resolved_at, v.resolved_by = ViolationStatus.OPEN, None, None
            fields += ["status", "resolved_at", "resolved_by"]
        v.save(update_fields=fields)
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
    return created, reopened


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
    lo = datetime.datetime.combine(lo_week, datetime.time(), tzinfo=RULES_ZONE)
    hi = datetime.datetime.combine(hi_week + datetime.timedelta(days=1), datetime.time(), tzinfo=RULES_ZONE)
    rows = Shift.objects.filter(placement=placement, start_at__lt=hi, end_at__gt=lo).values_list(
        "kind", "start_at", "end_at"
    )
    # A pause's days are not audited: their pieces of every shift are cut away, as the SQL audit drops them.
    paused = paused_periods(placement_ids=[placement.pk], lo=lo_week, hi=hi_week).get(placement.pk, [])
    actual = worktime.without_days(
        [worktime.ShiftSpan(a, b) for k, a, b in rows if k == ShiftKind.ACTUAL], paused
    )
    planned = worktime.without_days(
        [worktime.ShiftSpan(a, b) for k, a, b in rows if k == ShiftKind.PLANNED], paused
    )
    calendar = calendar_between(lo_week, hi_week)
    found = [
        f
        for f in worktime.check_worktime(
            actual, policy, calendar, rules=worktime.WORKTIME_RULES, planned=planned
        )
        if lo_week <= f.period_start
        and f.period_end <= hi_week
        and not exception_covers(placement_id=placement.pk, finding=f)
    ]
    # approved leave days count as no work (REST_DAY, OVERTIME): see rules/absence.py
    worked = {d for d, secs in worktime.seconds_per_day(actual, RULES_ZONE).items() if secs > 0}
    found = absence.waive_findings(found, placement_id=placement.pk, worked=worked)
    created, reopened = upsert_findings(
        placement_id=placement.pk,
        policy_code=policy.code,
        findings=[(f.code, f.period_start, f.period_end, f.figures, Severity.VIOLATION) for f in found],
        rules=SHIFT_RULES,
        window=(lo_week, hi_week),
        now=now,
    )
    if (created or reopened) and notify:
        enqueue_violation_notices(created + reopened)
    return created


def audit_scopes(
    book: PolicyBook | None = None, *, lo: datetime.date | None = None, hi: datetime.date | None = None
) -> list[Scope]:
    """The active (and paused) placements, grouped by the policy figures that judge them: one scope per night
    window (in practice one: every policy version so far shares 22:00-06:00). With lo..hi, each scope carries the
    pauses within those days (their shifts are skipped)."""
    book = book or PolicyBook()
    active = active_placements().order_by()
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
    paused = (
        [
            (pid, a, b)
            for pid, periods in sorted(paused_periods(placement_ids=None, lo=lo, hi=hi).items())
            for a, b in periods
        ]
        if lo is not None and hi is not None
        else []
    )
    return [
        Scope(groups=groups, placements_sql=sql, placements_params=params, paused=paused)
        for groups in by_window.values()
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
        span = full_audit_span()
        if span is None:
            return {"placements": 0, "findings": 0, "created": 0, "resolved": 0}
        lo_day, hi_day = span
    assert lo_day is not None
    hi_day = hi_day or lo_day
    lo_week = lo_day - datetime.timedelta(days=lo_day.isoweekday() - 1)
    hi_week = hi_day + datetime.timedelta(days=7 - hi_day.isoweekday())
    if connection.vendor == "postgresql":
        scopes = audit_scopes(lo=lo_week, hi=hi_week)
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
        reopened = [pk for r in results for pk in r.reopened]
        summary: dict[str, Any] = {
            # every part of a scope covers the same placements: count each scope's first part
            "placements": sum(r.placements for r, (_, lo, _) in done if lo == lo_week),
            "findings": sum(r.findings for r in results),
            "created": len(created),
            "resolved": sum(r.resolved for r in results),
            "reopened": len(reopened),
            "parts": len(parts),
            "seconds": {step: max(r.seconds[step] for r in results) for step in results[0].seconds}
            if results
            else {},
        }
    else:
        created, reopened = [], []
        book = PolicyBook()
        ids = active_placements().values_list("pk", flat=True)
        for placement in Placement.objects.filter(pk__in=list(ids)).select_related("pilot"):
            policy = book.policy(pilot_id=placement.pilot_id, on=placement.start_date)
            with transaction.atomic():
                created += placement_worktime_audit(
                    placement=placement, lo_day=lo_week, hi_day=hi_week, policy=policy, now=now, notify=False
                )
        summary = {"placements": len(ids), "created": len(created)}
        failures = []
    if (created or reopened) and notify:
        with transaction.atomic():
            enqueue_violation_notices(created + reopened)
    if (
        failures
    ):  # after the notices of the parts that committed; the failed weeks are audited on the next run
        raise failures[0]
    return summary


def status_audit(
    *, as_of: datetime.date | None = None, now: datetime.datetime | None = None, notify: bool = True
) -> dict[str, Any]:
    """The status rules (``backend.rules.status``) for every active placement, as of a day: loads the values
    (counts set-based, one aggregate each), judges each placement purely, upserts what it finds."""
    as_of = as_of or local_today()
    now = now or timezone.now()
    book = PolicyBook()
    created: list[int] = []
    reopened: list[int] = []
    count = 0
    for placement_id, pilot_id, start_date, values in status_inputs():
        count += 1
        policy = book.policy(pilot_id=pilot_id, on=start_date)
        findings = status_findings(values, policy=policy, as_of=as_of)
        with transaction.atomic():
            new, again = upsert_findings(
                placement_id=placement_id,
                policy_code=policy.code,
                findings=[(f.code, f.period_start, f.period_end, f.figures, f.severity) for f in findings],
                rules=STATUS_RULES,
                window=None,
                now=now,
            )
        created += new
        reopened += again
    if (created or reopened) and notify:
        with transaction.atomic():
            enqueue_violation_notices(created + reopened)
    return {"placements": count, "created": len(created), "reopened": len(reopened)}


def status_inputs() -> Iterable[tuple[int, int, datetime.date, StatusInput]]:
    """(placement id, pilot id, start date, values) for every active placement, with a fixed number of queries."""
    active = active_placements()
    per_mentor = dict(active.exclude(mentor=None).values_list("mentor").annotate(n=Count("id")))
    per_company = dict(active.values_list("post__company").annotate(n=Count("id")))
    per_post = dict(active.values_list("post").annotate(n=Count("id")))
    periods: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
    for other in (
        Placement.objects.filter(student__in=active.values("student"))
        .exclude(status=PlacementStatus.TERMINATED)
        .prefetch_related("stages")
    ):
        periods[other.student_id] += [(s.company_start, s.company_end) for s in other.stages.all()] or [
            (other.start_date, other.end_date)
        ]
    placements = active.select_related("student", "post__company", "mentor").prefetch_related(
        "insurance_policies", "student__health_checks"
    )
    for p in placements:
        yield (
            p.pk,
            p.pilot_id,
            p.start_date,
            StatusInput(
                start_date=p.start_date,
                end_date=p.end_date,
                student_name=p.student.name,
                birth_date=p.student.birth_date,
                mentor_name=p.mentor.name if p.mentor else None,
                mentor_apprentices=per_mentor.get(p.mentor_id, 0) if p.mentor_id else 0,
                company_name=p.post.company.name,
                company_staff=p.post.company.staff_count,
                company_interns=per_company[p.post.company_id],
                post_title=p.post.title,
                post_staff=p.post.staff_on_post,
                post_interns=per_post[p.post_id],
                hazard_tags=frozenset(p.post.hazard_tags or ()),
                company_periods=tuple(periods[p.student_id]),
                insurance=tuple((i.kind, i.start_date, i.end_date) for i in p.insurance_policies.all()),
                health_checks=tuple(
                    (h.date, h.level) for h in p.student.health_checks.all() if h.fit_for_work
                ),
            ),
        )
