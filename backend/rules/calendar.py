"""Statutory holidays (放假日) and swapped working days (调休上班日) as data rows.

The source is the pinned ``chinesecalendar`` package for the years it covers (2004-2026 in 1.11.0;
it raises for later years). The rows are stored in the ``Holiday`` table (phase 2), which an admin
extends when the State Council publishes a new year's arrangement.

Only the package's explicit ``holidays`` and ``workdays`` tables are used: its ``is_holiday`` is also
true on ordinary weekends, which are not statutory holidays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import chinese_calendar

from backend.rules.worktime import Calendar

HOLIDAY = "holiday"
WORKDAY = "workday"

_ZH = {h.value: h.chinese for h in chinese_calendar.Holiday}


@dataclass(frozen=True)
class CalendarRow:
    date: date
    kind: str  # "holiday" (a day off in a statutory break) or "workday" (a swapped working day, 调休)
    name: str  # English name from the package, e.g. "Spring Festival"
    name_zh: str  # 春节

    def as_dict(self) -> dict[str, object]:
        return {"date": self.date, "kind": self.kind, "name": self.name, "name_zh": self.name_zh}


def covered_years() -> range:
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def package_rows(years: Iterable[int] | None = None) -> list[CalendarRow]:
    """Every holiday and swapped working day the package knows, sorted by date."""
    wanted = set(years) if years is not None else set(covered_years())
    rows = [
        CalendarRow(day, HOLIDAY, name, _ZH.get(name, name))
        for day, name in chinese_calendar.holidays.items()
        if day.year in wanted
    ]
    rows += [
        CalendarRow(day, WORKDAY, name, _ZH.get(name, name))
        for day, name in chinese_calendar.workdays.items()
        if day.year in wanted
    ]
    return sorted(rows, key=lambda r: (r.date, r.kind))


def calendar_from_rows(rows: Iterable[Any]) -> Calendar:
    """Build the value the working-time rules take from stored rows (dataclasses or dicts)."""
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    for row in rows:
        r: dict[str, Any] = row.as_dict() if isinstance(row, CalendarRow) else dict(row)
        target = holidays if r["kind"] == HOLIDAY else workdays
        target[r["date"]] = str(r.get("name_zh") or r["name"])
    return Calendar(holidays=holidays, workdays=workdays)


def package_calendar() -> Calendar:
    return calendar_from_rows(package_rows())
