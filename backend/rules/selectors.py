"""Reads for the rules: the policy in force, the holiday calendar, the gates' inputs and report, shifts and
violations (scoped), the monthly summary. Nothing here writes."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db.models import Max, Min, QuerySet

from backend.accounts.scoping import scope_queryset
from backend.core.clock import RULES_ZONE, local_date, local_today
from backend.placements.models import Placement, PlacementStatus

from . import gates
from .audit_sql import SHIFT_RULES
from .calendar import calendar_from_rows
from .messages import describe
from .models import Holiday, PolicyVersion, Shift, ShiftException, ShiftKind, Violation, ViolationStatus
from .policy import NATIONAL_DEFAULT, Policy
from .worktime import Calendar, Finding

# Placements that occupy a mentor, a post and a company's intern quota.
LIVE_STATUSES = PlacementStatus.LIVE


class PolicyBook:
    """Every policy version, loaded once; picks the version in force for a pilot on a date."""

    def __init__(self, versions: Iterable[PolicyVersion] | None = None) -> None:
        rows = list(versions if versions is not None else PolicyVersion.objects.order_by("valid_from"))
        self._national = sorted((v for v in rows if v.pilot_id is None), key=lambda v: v.valid_from)
        self._local: dict[int, list[PolicyVersion]] = {}
        for v in rows:
            if v.pilot_id is not None:
                self._local.setdefault(v.pilot_id, []).append(v)
        for versions_of_pilot in self._local.values():
            versions_of_pilot.sort(key=lambda v: v.valid_from)
        self._cache: dict[tuple[int | None, datetime.date], Policy] = {}

    @staticmethod
    def _latest(rows: list[PolicyVersion], on: datetime.date) -> PolicyVersion | None:
        found = None
        for v in rows:
            if v.valid_from <= on:
                found = v
        return found

    def policy(self, *, pilot_id: int | None, on: datetime.date) -> Policy:
        key = (pilot_id, on)
        if key not in self._cache:
            national = self._latest(self._national, on)
            base = (
                Policy.from_dict({**national.figures, "code": national.code})
                if national
                else NATIONAL_DEFAULT
            )
            local = self._latest(self._local.get(pilot_id, []), on) if pilot_id else None
            self._cache[key] = (
                Policy.from_dict({**local.figures, "code": local.code}, base=base) if local else base
            )
        return self._cache[key]


def policy_for_placement(placement: Any) -> Policy:
    """The policy version in force on the placement's start date (a later change never rewrites it)."""
    return PolicyBook(
        PolicyVersion.objects.filter(pilot__isnull=True)
        | PolicyVersion.objects.filter(pilot_id=placement.pilot_id)
    ).policy(pilot_id=placement.pilot_id, on=placement.start_date)


HOLIDAY_FIELDS = ("date", "kind", "name", "name_zh")


def calendar_between(lo: datetime.date, hi: datetime.date) -> Calendar:
    rows = Holiday.objects.filter(date__gte=lo, date__lte=hi).values(*HOLIDAY_FIELDS)
    return calendar_from_rows(rows)


# -- the same, as this process read them at most RECENT_SECONDS ago --------------------------------------------
# For the check at a clock, which must stay cheap when a region's apprentices clock in within the same half hour
# (bench/checkin.py); a change saved in this process drops its copy at once (rules/apps.py), other processes
# read it within the minute. The audit, the gates and every decision read the database.

RECENT_SECONDS = 60
RECENT_POLICIES_KEY = "rules:recent:policy-versions"


def recent_holidays_key(year: int) -> str:
    return f"rules:recent:holidays:{year}"


def recent_policy(*, pilot_id: int | None, on: datetime.date) -> Policy:
    """The policy in force for a pilot on a date (policy_for_placement: on its start date), from the policy
    versions read at most a minute ago."""
    versions = cache.get(RECENT_POLICIES_KEY)
    if versions is None:
        versions = list(PolicyVersion.objects.all())
        cache.set(RECENT_POLICIES_KEY, versions, RECENT_SECONDS)
    return PolicyBook(versions).policy(pilot_id=pilot_id, on=on)


def recent_calendar_between(lo: datetime.date, hi: datetime.date) -> Calendar:
    """calendar_between from each year's holidays read at most a minute ago."""
    rows: list[dict[str, Any]] = []
    for year in range(lo.year, hi.year + 1):
        key = recent_holidays_key(year)
        of_year = cache.get(key)
        if of_year is None:
            of_year = list(Holiday.objects.filter(date__year=year).values(*HOLIDAY_FIELDS))
            cache.set(key, of_year, RECENT_SECONDS)
        rows += [r for r in of_year if lo <= r["date"] <= hi]
    return calendar_from_rows(rows)


def recent_forget(*, holiday_years: Iterable[int] = (), policies: bool = False) -> None:
    """Drop this process's copies (a policy version or a holiday was saved or deleted here)."""
    keys = [recent_holidays_key(y) for y in holiday_years]
    cache.delete_many([*keys, RECENT_POLICIES_KEY] if policies else keys)


def shift_list(*, user: Any, placement_id: int | None = None) -> QuerySet[Shift]:
    qs = Shift.objects.select_related("placement")
    if placement_id:
        qs = qs.filter(placement_id=placement_id)
    return scope_queryset(user, qs)


def violation_list(*, user: Any) -> QuerySet[Violation]:
    return scope_queryset(user, Violation.objects.select_related("placement__student", "placement__post"))


# The placements the audits and the monthly notices cover: active and paused. A pause stops the working-time audit
# for its days only (its days' shifts are skipped, ``paused_days``); insurance and health-check warnings and the
# parties' monthly 信息通报 go on.
AUDITED_STATUSES = (PlacementStatus.ACTIVE, PlacementStatus.PAUSED)


def active_placements() -> QuerySet[Placement]:
    """The placements the audits and the monthly notices cover (active or paused)."""
    return Placement.objects.filter(status__in=AUDITED_STATUSES)


# -- gates --------------------------------------------------------------------------------------


def _agreement_signed(placement: Placement) -> bool:
    """Rule AGREEMENT_SIGNED: signed by every party AND sealed into the digitally signed PDF (the signing app
    decides; without it no placement can become active)."""
    if placement.pk is None or not apps.is_installed("backend.signing"):
        return False
    from backend.signing.selectors import agreement_is_sealed

    return agreement_is_sealed(placement)


def _overlapping(qs: Any, placement: Placement) -> Any:
    qs = qs.filter(
        status__in=LIVE_STATUSES, start_date__lte=placement.end_date, end_date__gte=placement.start_date
    )
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


def placement_gate_input(placement: Placement) -> gates.GateInput:
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
    return gates.GateInput(
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
) -> gates.GateReport:
    """Every gate for a placement under the policy in force on its start date. Writes nothing."""
    from .services.gates import gate_source_results  # the registered sources (checklist), read-only

    policy = policy_for_placement(placement)
    report = gates.check_gates(
        placement_gate_input(placement), stage=stage, as_of=as_of or local_today(), policy=policy
    )
    extra = gate_source_results(placement, stage)
    return dataclasses.replace(report, results=report.results + tuple(extra)) if extra else report


# -- shifts and violations ----------------------------------------------------------------------


def exception_covers(*, placement_id: int, finding: Finding) -> bool:
    """Whether an exception filed with the authority covers the finding's rule and whole period."""
    return ShiftException.objects.filter(
        placement_id=placement_id,
        rule_code=finding.code,
        period_start__lte=finding.period_start,
        period_end__gte=finding.period_end,
    ).exists()


def violation_messages(v: Violation) -> tuple[str, str]:
    """The violation explained, in Chinese and in English, with its figures."""
    return describe(v.rule_code, v.period_start, v.period_end, v.figures)


def full_audit_span() -> tuple[datetime.date, datetime.date] | None:
    """The local days the full audit covers: every shift's, and every open shift-rule violation's (whose shifts
    may since have been corrected or deleted, so that nothing else brings its weeks into the audit)."""
    first = Shift.objects.order_by("start_at").values_list("start_at", flat=True).first()
    last = Shift.objects.order_by("-start_at").values_list("end_at", flat=True).first()
    days = [local_date(d) for d in (first, last) if d is not None]
    still_open = Violation.objects.filter(
        status__in=[ViolationStatus.OPEN, ViolationStatus.ACKNOWLEDGED], rule_code__in=SHIFT_RULES
    ).aggregate(lo=Min("period_start"), hi=Max("period_end"))
    days += [d for d in still_open.values() if d is not None]
    return (min(days), max(days)) if days else None


# -- notices ------------------------------------------------------------------------------------


def placement_monthly_summary(*, placement: Placement, month: datetime.date) -> dict[str, Any]:
    """信息通报 figures for one placement and calendar month: hours worked, violations, what falls due."""
    first = month.replace(day=1)
    nxt = gates.add_months(first, 1)
    lo = datetime.datetime.combine(first, datetime.time(), tzinfo=RULES_ZONE)
    hi = datetime.datetime.combine(nxt, datetime.time(), tzinfo=RULES_ZONE)
    seconds = 0.0
    for a, b in Shift.objects.filter(
        placement=placement, kind=ShiftKind.ACTUAL, start_at__lt=hi, end_at__gt=lo
    ).values_list("start_at", "end_at"):
        seconds += (min(b, hi) - max(a, lo)).total_seconds()
    violations = Violation.objects.filter(placement=placement, period_start__lt=nxt, period_end__gte=first)
    states = {s: violations.filter(status=s).count() for s in ViolationStatus.values}
    due = [
        {"stage": s.name, "company_end": s.company_end.isoformat()}
        for s in placement.stages.filter(company_end__gte=nxt, company_end__lt=gates.add_months(nxt, 1))
    ]
    if nxt <= placement.end_date < gates.add_months(nxt, 1):
        due.append({"stage": "placement", "company_end": placement.end_date.isoformat()})
    return {
        "month": first.strftime("%Y-%m"),
        "hours": round(seconds / 3600, 2),
        "violations": states,
        "assessments_due": due,
    }
