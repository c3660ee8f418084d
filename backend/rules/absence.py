"""Days an apprentice is away with leave approved (owned by another app, attendance): they count as no work.

An approved leave day is never a REST_DAY or an OVERTIME problem: an OVERTIME finding on a leave day is dropped, and
a REST_DAY week counts each leave day that shows work as a day of rest again. Both audits apply it after the
rules ran, as they apply an exception filed with the authority: the Python audit of one placement
(``waive_findings``) and the set-based SQL audit (``waiver_sql``, run against its ``audit_finding`` table).

The owning app registers one provider at start-up (``register_absence``): a function giving a placement's absent
days in a range, and a SQL SELECT of ``(placement_id, day)`` rows. Without a provider nothing is waived.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from backend.rules.codes import RuleCode

WAIVED_RULES = (RuleCode.REST_DAY, RuleCode.OVERTIME)


@dataclass(frozen=True)
class AbsenceProvider:
    days: Callable[[int, datetime.date, datetime.date], set[datetime.date]]
    sql: str  # SELECT placement_id, day (a date) ... : every absent day of every placement


_provider: AbsenceProvider | None = None


def register_absence(provider: AbsenceProvider) -> None:
    global _provider
    _provider = provider


def absent_days(placement_id: int, lo: datetime.date, hi: datetime.date) -> set[datetime.date]:
    return _provider.days(placement_id, lo, hi) if _provider else set()


def waive(
    findings: Iterable[tuple[str, datetime.date, datetime.date, dict]],
    *,
    absent: set[datetime.date],
    worked: set[datetime.date],
) -> list[int]:
    """Pure: the indexes of the findings (code, start, end, figures) the absent days waive. ``worked``: the days
    that show any actual work."""
    out = []
    for i, (code, start, end, figures) in enumerate(findings):
        if code == RuleCode.OVERTIME and start in absent:
            out.append(i)
        elif code == RuleCode.REST_DAY:
            span = {start + datetime.timedelta(days=n) for n in range((end - start).days + 1)}
            rest = int(figures.get("actual_days", 0)) + len(span & absent & worked)
            if rest >= int(figures.get("limit_days", 0)):
                out.append(i)
    return out


def waive_findings(findings: Sequence, *, placement_id: int, worked: set[datetime.date]) -> list:
    """The worktime ``Finding``s of one placement without those its approved leave days waive."""
    if not findings or _provider is None:
        return list(findings)
    lo = min(f.period_start for f in findings)
    hi = max(f.period_end for f in findings)
    absent = absent_days(placement_id, lo, hi)
    if not absent:
        return list(findings)
    gone = set(
        waive(
            [(f.code, f.period_start, f.period_end, f.figures) for f in findings],
            absent=absent,
            worked=worked,
        )
    )
    return [f for i, f in enumerate(findings) if i not in gone]


def waiver_sql() -> list[str]:
    """The statements the SQL audit runs on its ``audit_finding`` table after the exceptions (PostgreSQL)."""
    if _provider is None:
        return []
    absent = _provider.sql
    return [
        f"""
DELETE FROM audit_finding f
 WHERE f.rule_code = 'OVERTIME'
   AND EXISTS (SELECT 1 FROM ({absent}) a (placement_id, day)
                WHERE a.placement_id = f.placement_id AND a.day = f.period_start)
""",
        f"""
DELETE FROM audit_finding f
 WHERE f.rule_code = 'REST_DAY'
   AND (f.figures->>'actual_days')::int
       + (SELECT count(DISTINCT a.day) FROM ({absent}) a (placement_id, day)
           WHERE a.placement_id = f.placement_id AND a.day BETWEEN f.period_start AND f.period_end
             AND EXISTS (SELECT 1 FROM rules_shift s
                          WHERE s.placement_id = a.placement_id AND s.kind = 'actual' AND s.local_day = a.day))
       >= (f.figures->>'limit_days')::int
""",
    ]
