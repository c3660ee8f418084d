"""The journal rhythm as pure functions over values: a journal's period and its deadline. No ORM, no clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from backend.core.clock import RULES_ZONE


@dataclass(frozen=True)
class Rhythm:
    """A pilot's requirement (JournalRule's figures; the defaults when a pilot has set none)."""

    weekly_required: bool = True
    daily_required: bool = False
    term_min: int = 12
    deadline_days: int = 1
    deadline_hour: int = 12
    remind_hours: int = 24


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week that holds `day`."""
    return day - dt.timedelta(days=day.weekday())


def period_start(kind: str, day: dt.date) -> dt.date:
    return week_start(day) if kind == "weekly" else day


def period_end(kind: str, start: dt.date) -> dt.date:
    return start + dt.timedelta(days=6) if kind == "weekly" else start


def deadline_for(rhythm: Rhythm, kind: str, start: dt.date) -> dt.datetime:
    """A journal is due `deadline_days` after its last day, at `deadline_hour`:00 local time."""
    day = period_end(kind, start) + dt.timedelta(days=rhythm.deadline_days)
    return dt.datetime.combine(day, dt.time(rhythm.deadline_hour), tzinfo=RULES_ZONE)


def is_late(deadline: dt.datetime, submitted_at: dt.datetime) -> bool:
    """Late strictly after the deadline: a journal submitted at the deadline's very second is on time."""
    return submitted_at > deadline


def iso_week_label(start: dt.date) -> str:
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def parse_iso_week(value: str) -> dt.date | None:
    """'2026-W41' (what <input type=week> sends) -> its Monday; None when it is not a week."""
    try:
        year, week = value.strip().upper().split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None


# -- the term (学期) ---------------------------------------------------------------------------------------
# A school year has two terms: the autumn term (第一学期) from 1 September to the end of January, and the spring
# term (第二学期) from 1 February to 31 August (the summer holiday counts to the spring term, so a placement over
# the summer owes its journals there). Every day belongs to exactly one term.


@dataclass(frozen=True)
class Term:
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        """'2026-autumn' (the school year 2026/27's first term) or '2027-spring'."""
        return f"{self.start.year}-{'autumn' if self.start.month == 9 else 'spring'}"


def term_of(day: dt.date) -> Term:
    if day.month >= 9:
        return Term(dt.date(day.year, 9, 1), dt.date(day.year + 1, 1, 31))
    if day.month == 1:
        return Term(dt.date(day.year - 1, 9, 1), dt.date(day.year, 1, 31))
    return Term(dt.date(day.year, 2, 1), dt.date(day.year, 8, 31))


def parse_term(value: str) -> Term | None:
    """'2026-autumn' or '2027-spring' -> the term; None when it is not one."""
    year, _, season = value.strip().lower().partition("-")
    if not year.isdigit() or season not in ("autumn", "spring") or not 2000 <= int(year) <= 2100:
        return None
    return term_of(dt.date(int(year), 9 if season == "autumn" else 2, 1))


def weeks_due(rhythm: Rhythm, term: Term, start: dt.date, end: dt.date, now: dt.datetime) -> list[dt.date]:
    """The Mondays of the weekly journals a placement of ``start``..``end`` owes in ``term`` by ``now``: every
    ISO week that begins inside the term (a week belongs to the term of its Monday) and overlaps the placement,
    whose deadline has passed. None when the pilot requires no weekly journal."""
    if not rhythm.weekly_required:
        return []
    monday = max(week_start(start), week_start(term.start))
    if monday < term.start:
        monday += dt.timedelta(days=7)
    last = min(term.end, end)
    due = []
    while monday <= last and deadline_for(rhythm, "weekly", monday) < now:
        due.append(monday)
        monday += dt.timedelta(days=7)
    return due
