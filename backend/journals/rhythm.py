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
