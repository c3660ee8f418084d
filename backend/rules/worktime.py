"""Working-time rules over shifts: pure functions, no ORM, no clock.

A shift is a pair of timezone-aware datetimes. Every rule works on local calendar days of the
rules' zone (backend.core.clock.RULES_ZONE, Asia/Shanghai): a shift that crosses midnight counts toward both days.
Durations are kept in seconds internally and reported in whole minutes (rounded up, so that
8:00:30 reads 8:01 and is over an 8:00 limit).

Rules: DAILY_HOURS, WEEKLY_HOURS, NIGHT_WORK, HOLIDAY_WORK, REST_DAY, OVERTIME; plus overlap
detection (overlapping shifts of one placement are refused at entry).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from backend.core.clock import RULES_ZONE
from backend.rules.codes import RuleCode
from backend.rules.messages import describe
from backend.rules.policy import Policy

OVERLAP = "SHIFT_OVERLAP"

# Rules that refuse a planned shift at entry (unless an exception filed with the authority covers it).
ENTRY_RULES = (
    RuleCode.DAILY_HOURS,
    RuleCode.WEEKLY_HOURS,
    RuleCode.NIGHT_WORK,
    RuleCode.HOLIDAY_WORK,
    RuleCode.REST_DAY,
)
WORKTIME_RULES = (
    RuleCode.DAILY_HOURS,
    RuleCode.WEEKLY_HOURS,
    RuleCode.NIGHT_WORK,
    RuleCode.HOLIDAY_WORK,
    RuleCode.REST_DAY,
    RuleCode.OVERTIME,
)


@dataclass(frozen=True)
class ShiftSpan:
    start: datetime
    end: datetime
    ref: Any = None  # the caller's id or row number, carried into findings

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("shift times must be timezone-aware / 班次时间必须带时区")
        if self.end <= self.start:
            raise ValueError("a shift must end after it starts / 班次结束时间必须晚于开始时间")


@dataclass(frozen=True)
class Calendar:
    """Statutory holidays (放假日) and swapped working days (调休上班日) by date."""

    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)

    def is_statutory_holiday(self, day: date) -> bool:
        return day in self.holidays and day not in self.workdays


@dataclass(frozen=True)
class Finding:
    code: str
    period_start: date
    period_end: date
    figures: dict[str, Any]
    message: str
    message_en: str
    severity: str = "violation"
    refs: tuple[Any, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "figures": self.figures,
            "message": self.message,
            "message_en": self.message_en,
            "severity": self.severity,
        }


# -- helpers ----------------------------------------------------------------------------------


def _finding(
    code: str, start: date, end: date, figures: dict[str, Any], refs: tuple[Any, ...] = ()
) -> Finding:
    message, message_en = describe(code, start, end, figures)
    return Finding(code, start, end, figures, message, message_en, refs=refs)


def minutes_up(seconds: float) -> int:
    """Whole minutes, rounded up."""
    return int(-(-seconds // 60))


def iso_week_bounds(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.isoweekday() - 1)
    return monday, monday + timedelta(days=6)


def _local(dt: datetime, tz: ZoneInfo) -> datetime:
    return dt.astimezone(tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def split_by_day(shift: ShiftSpan, tz: ZoneInfo) -> list[tuple[date, datetime, datetime]]:
    """Cut a shift at local midnights: [(day, piece_start, piece_end), ...] in local time."""
    start, end = _local(shift.start, tz), _local(shift.end, tz)
    pieces = []
    day = start.date()
    while True:
        next_midnight = _midnight(day + timedelta(days=1), tz)
        piece_end = min(end, next_midnight)
        piece_start = max(start, _midnight(day, tz))
        if piece_end > piece_start:
            pieces.append((day, piece_start, piece_end))
        if end <= next_midnight:
            break
        day += timedelta(days=1)
    return pieces


def seconds_per_day(shifts: Iterable[ShiftSpan], tz: ZoneInfo) -> dict[date, float]:
    totals: dict[date, float] = defaultdict(float)
    for shift in shifts:
        for day, a, b in split_by_day(shift, tz):
            totals[day] += (b - a).total_seconds()
    return dict(totals)


def night_seconds_per_day(shifts: Iterable[ShiftSpan], policy: Policy) -> dict[date, float]:
    """Seconds inside the night window, by local day of the minute worked."""
    tz = RULES_ZONE
    totals: dict[date, float] = defaultdict(float)
    for shift in shifts:
        for day, a, b in split_by_day(shift, tz):
            for w_start, w_end in _night_windows(day, policy, tz):
                overlap = (min(b, w_end) - max(a, w_start)).total_seconds()
                if overlap > 0:
                    totals[day] += overlap
    return dict(totals)


def _night_windows(day: date, policy: Policy, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The parts of the night window that fall on ``day`` (local)."""
    ns = datetime.combine(day, policy.night_start, tzinfo=tz)
    ne = datetime.combine(day, policy.night_end, tzinfo=tz)
    day_start, day_end = _midnight(day, tz), _midnight(day + timedelta(days=1), tz)
    if policy.night_start > policy.night_end:  # wraps midnight, e.g. 22:00-06:00
        return [(day_start, ne), (ns, day_end)]
    return [(ns, ne)]


# -- the rules --------------------------------------------------------------------------------


def check_daily_hours(shifts: Sequence[ShiftSpan], policy: Policy) -> list[Finding]:
    tz = RULES_ZONE
    limit = policy.max_daily_minutes
    out = []
    for day, secs in sorted(seconds_per_day(shifts, tz).items()):
        if secs > limit * 60:
            actual = minutes_up(secs)
            out.append(
                _finding(
                    RuleCode.DAILY_HOURS,
                    day,
                    day,
                    {"limit_minutes": limit, "actual_minutes": actual},
                )
            )
    return out


def check_weekly_hours(shifts: Sequence[ShiftSpan], policy: Policy) -> list[Finding]:
    tz = RULES_ZONE
    limit = policy.max_weekly_minutes
    weeks: dict[date, float] = defaultdict(float)
    for day, secs in seconds_per_day(shifts, tz).items():
        weeks[iso_week_bounds(day)[0]] += secs
    out = []
    for monday, secs in sorted(weeks.items()):
        if secs > limit * 60:
            actual = minutes_up(secs)
            year, week, _ = monday.isocalendar()
            sunday = monday + timedelta(days=6)
            out.append(
                _finding(
                    RuleCode.WEEKLY_HOURS,
                    monday,
                    sunday,
                    {"limit_minutes": limit, "actual_minutes": actual, "iso_week": f"{year}-W{week:02d}"},
                )
            )
    return out


def check_night_work(shifts: Sequence[ShiftSpan], policy: Policy) -> list[Finding]:
    window = f"{policy.night_start.strftime('%H:%M')}-{policy.night_end.strftime('%H:%M')}"
    out = []
    for day, secs in sorted(night_seconds_per_day(shifts, policy).items()):
        actual = minutes_up(secs)
        out.append(
            _finding(
                RuleCode.NIGHT_WORK,
                day,
                day,
                {"limit_minutes": 0, "actual_minutes": actual, "window": window},
            )
        )
    return out


def check_holiday_work(shifts: Sequence[ShiftSpan], policy: Policy, calendar: Calendar) -> list[Finding]:
    tz = RULES_ZONE
    out = []
    for day, secs in sorted(seconds_per_day(shifts, tz).items()):
        if secs > 0 and calendar.is_statutory_holiday(day):
            actual = minutes_up(secs)
            name = calendar.holidays[day]
            out.append(
                _finding(
                    RuleCode.HOLIDAY_WORK,
                    day,
                    day,
                    {"limit_minutes": 0, "actual_minutes": actual, "holiday": name},
                )
            )
    return out


def check_rest_days(shifts: Sequence[ShiftSpan], policy: Policy) -> list[Finding]:
    """At least ``min_rest_days_per_week`` full calendar days without any work in each ISO week."""
    tz = RULES_ZONE
    need = policy.min_rest_days_per_week
    worked: dict[date, set[date]] = defaultdict(set)
    for day, secs in seconds_per_day(shifts, tz).items():
        if secs > 0:
            worked[iso_week_bounds(day)[0]].add(day)
    out = []
    for monday, days in sorted(worked.items()):
        rest = 7 - len(days)
        if rest < need:
            year, week, _ = monday.isocalendar()
            sunday = monday + timedelta(days=6)
            out.append(
                _finding(
                    RuleCode.REST_DAY,
                    monday,
                    sunday,
                    {"limit_days": need, "actual_days": rest, "iso_week": f"{year}-W{week:02d}"},
                )
            )
    return out


def check_overtime(
    planned: Sequence[ShiftSpan], actual: Sequence[ShiftSpan], policy: Policy
) -> list[Finding]:
    """Actual work beyond the agreed schedule: per local day, actual minus planned minutes."""
    tz = RULES_ZONE
    plan = seconds_per_day(planned, tz)
    done = seconds_per_day(actual, tz)
    limit = policy.max_overtime_minutes
    out = []
    for day in sorted(done):
        extra = done[day] - plan.get(day, 0.0)
        if extra > limit * 60:
            extra_m = minutes_up(extra)
            p, a = minutes_up(plan.get(day, 0.0)), minutes_up(done[day])
            out.append(
                _finding(
                    RuleCode.OVERTIME,
                    day,
                    day,
                    {
                        "limit_minutes": limit,
                        "actual_minutes": extra_m,
                        "planned_minutes": p,
                        "worked_minutes": a,
                    },
                )
            )
    return out


def find_overlaps(shifts: Sequence[ShiftSpan]) -> list[tuple[ShiftSpan, ShiftSpan]]:
    """Pairs of shifts that overlap (touching end to start is not an overlap)."""
    ordered = sorted(shifts, key=lambda s: (s.start, s.end))
    pairs: list[tuple[ShiftSpan, ShiftSpan]] = []
    active: list[ShiftSpan] = []
    for shift in ordered:
        active = [a for a in active if a.end > shift.start]
        pairs.extend((a, shift) for a in active)
        active.append(shift)
    return pairs


def overlap_findings(shifts: Sequence[ShiftSpan], policy: Policy) -> list[Finding]:
    return _overlap_findings(find_overlaps(shifts), policy)


def _overlap_findings(pairs: Iterable[tuple[ShiftSpan, ShiftSpan]], policy: Policy) -> list[Finding]:
    tz = RULES_ZONE
    out = []
    for a, b in pairs:
        fmt = "%Y-%m-%d %H:%M"
        a_txt = f"{_local(a.start, tz).strftime(fmt)}-{_local(a.end, tz).strftime('%H:%M')}"
        b_txt = f"{_local(b.start, tz).strftime(fmt)}-{_local(b.end, tz).strftime('%H:%M')}"
        out.append(
            _finding(
                OVERLAP,
                _local(b.start, tz).date(),
                _local(max(a.end, b.end), tz).date(),
                {"shift": b_txt, "overlaps": a_txt},
                refs=(a.ref, b.ref),
            )
        )
    return out


def check_worktime(
    shifts: Sequence[ShiftSpan],
    policy: Policy,
    calendar: Calendar,
    *,
    rules: Iterable[str] = ENTRY_RULES,
    planned: Sequence[ShiftSpan] | None = None,
) -> list[Finding]:
    """Run the chosen working-time rules over one placement's shifts.

    ``shifts`` are the shifts being judged (planned shifts at entry, actual shifts in the audit);
    OVERTIME compares them with ``planned``.
    """
    rules = set(rules)
    out: list[Finding] = []
    if RuleCode.DAILY_HOURS in rules:
        out += check_daily_hours(shifts, policy)
    if RuleCode.WEEKLY_HOURS in rules:
        out += check_weekly_hours(shifts, policy)
    if RuleCode.NIGHT_WORK in rules:
        out += check_night_work(shifts, policy)
    if RuleCode.HOLIDAY_WORK in rules:
        out += check_holiday_work(shifts, policy, calendar)
    if RuleCode.REST_DAY in rules:
        out += check_rest_days(shifts, policy)
    if RuleCode.OVERTIME in rules and planned is not None:
        out += check_overtime(planned, shifts, policy)
    return out


def touched_days(shifts: Iterable[ShiftSpan], policy: Policy) -> set[date]:
    tz = RULES_ZONE
    return {day for s in shifts for day, _a, _b in split_by_day(s, tz)}


def check_new_shifts(
    existing: Sequence[ShiftSpan],
    new: Sequence[ShiftSpan],
    policy: Policy,
    calendar: Calendar,
    *,
    rules: Iterable[str] = ENTRY_RULES,
) -> list[Finding]:
    """Findings caused by adding ``new`` to ``existing`` planned shifts.

    Overlaps come first; a rule finding is kept only if its period contains a day a new shift
    touches (a week already over its limit is the existing schedule's problem, reported by the audit).
    """
    new_ids = {id(s) for s in new}
    pairs = [(a, b) for a, b in find_overlaps([*existing, *new]) if id(a) in new_ids or id(b) in new_ids]
    findings = _overlap_findings(pairs, policy)
    tz = RULES_ZONE
    new_days = [(s.ref, {day for day, _a, _b in split_by_day(s, tz)}) for s in new]
    for f in check_worktime([*existing, *new], policy, calendar, rules=rules):
        refs = tuple(ref for ref, days in new_days if any(f.period_start <= d <= f.period_end for d in days))
        if refs:
            findings.append(dataclasses.replace(f, refs=refs))
    return findings


def without_days(
    spans: Iterable[ShiftSpan], days: Iterable[tuple[date, date]], tz: ZoneInfo = RULES_ZONE
) -> list[ShiftSpan]:
    """The shifts with every piece that falls on a skipped local day cut away (a pause: its days are not audited).

    ``days`` are inclusive (first, last) periods. A shift crossing midnight into a skipped day keeps its part on
    the day before, as the SQL audit keeps only the pieces on the days it audits. Every rule sums by local day,
    so a shift cut at midnight is judged as the whole one was."""
    periods = list(days)
    if not periods:
        return list(spans)
    out: list[ShiftSpan] = []
    for span in spans:
        pieces = split_by_day(span, tz)
        kept = [(a, b) for day, a, b in pieces if not any(lo <= day <= hi for lo, hi in periods)]
        if len(kept) == len(pieces):
            out.append(span)
        else:
            out += [ShiftSpan(a, b, span.ref) for a, b in kept]
    return out
