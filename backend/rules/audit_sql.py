"""The working-time audit as set-based SQL (PostgreSQL), run over a raw psycopg cursor.

One streaming pass turns shift rows into placement-weeks: each shift's stored local figures (local_week,
local_day, local_start, duration: generated columns, migration 0004) are summed into placement-days (worked,
planned and night seconds), and those into ISO weeks, which keep only the few days that may break a day rule.
Only weeks that may break a rule are written to a small temp table; the rules are plain scans of it. No row
converts a time zone during the audit (that cost more than everything else, docs/rules.md), and no row is
sent from Python except the policy figures of each (pilot, start date) group going in, and none comes back
except the ids of new violations.

Shifts last at most 24 hours (a check constraint on the table), so a shift touches at most two days.
Day figures are in seconds; reported figures are whole minutes rounded up, as in ``worktime``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from backend.rules import absence
from backend.rules.worktime import WORKTIME_RULES

SHIFT_RULES = WORKTIME_RULES
AUTO_RESOLVE_NOTE = "审计复核：条件已不再成立 / audit: the condition no longer holds"
REOPEN_NOTE = "审计复核：条件仍然成立，已重新打开 / audit: the condition still holds; reopened"


@dataclass(frozen=True)
class ScopeGroup:
    """The placements of one pilot project starting on one date, and their policy's working-time figures."""

    pilot_id: int
    start_date: date
    policy_code: str
    max_daily_minutes: int
    max_weekly_minutes: int
    min_rest_days: int
    max_overtime_minutes: int
    night_start_seconds: int
    night_end_seconds: int


@dataclass(frozen=True)
class Scope:
    """What one audit run covers: the placements that ``placements_sql`` selects (columns: id, pilot_id,
    start_date; ``%s`` parameters), each judged by the figures of its group. Groups share one night window."""

    groups: Sequence[ScopeGroup]
    placements_sql: str
    placements_params: Sequence[object]
    # (placement id, first day, last day) of every pause in the audited weeks: those days' shift pieces are skipped
    paused: Sequence[tuple[int, date, date]] = ()


@dataclass(frozen=True)
class AuditResult:
    placements: int
    findings: int
    created: list[int]
    resolved: int
    seconds: dict[str, float]
    reopened: list[int] = field(default_factory=list)  # resolved by a person, yet the condition still holds


# The local figures are stored with each shift, so the session's time zone plays no part. A larger work_mem
# keeps the incremental audit's small sorts and the rules' hash joins in memory; JIT only costs here.
SESSION_SQL = "SET LOCAL work_mem = '512MB'; SET LOCAL jit = off"
STREAMING_SQL = "SET LOCAL enable_hashagg = off; SET LOCAL enable_sort = off; SET LOCAL max_parallel_workers_per_gather = 0"
DEFAULT_PLANNER_SQL = (
    "SET LOCAL enable_hashagg TO DEFAULT; SET LOCAL enable_sort TO DEFAULT;"
    " SET LOCAL max_parallel_workers_per_gather TO DEFAULT"
)
DROP_SQL = "DROP TABLE IF EXISTS audit_group, audit_scope, audit_week, audit_finding"
# Back to Django's connection settings for the rest of a longer transaction.
RESET_SQL = "SET LOCAL work_mem TO DEFAULT; SET LOCAL jit TO DEFAULT"

# The figures of each group of placements (a few rows), then one row per placement in scope with its figures.
GROUP_SQL = """
CREATE TEMP TABLE audit_group (
    pilot_id bigint NOT NULL,
    start_date date NOT NULL,
    policy_code text NOT NULL,
    max_day integer NOT NULL,
    max_week integer NOT NULL,
    rest_days integer NOT NULL,
    overtime integer NOT NULL,
    ns integer NOT NULL,
    ne integer NOT NULL,
    PRIMARY KEY (pilot_id, start_date)
) ON COMMIT DROP
"""
SCOPE_SQL = """
CREATE TEMP TABLE audit_scope ON COMMIT DROP AS
SELECT p.placement_id, g.policy_code, g.max_day, g.max_week, g.rest_days, g.overtime, g.ns, g.ne
  FROM ({placements}) AS p (placement_id, pilot_id, start_date)
  JOIN audit_group g ON g.pilot_id = p.pilot_id AND g.start_date = p.start_date
"""

# {ns}/{ne}: the night window in seconds after midnight (one window for every placement in scope); ps/pe: the
# piece of a shift on one local day, in seconds after that day's midnight.
NIGHT = """CASE WHEN {ns} > {ne}
               THEN greatest(0, least(pe, {ne}) - ps) + greatest(0, pe - greatest(ps, {ns}))
               ELSE greatest(0, least(pe, {ne}) - greatest(ps, {ns})) END"""

# A placement-day's sums over its pieces (ps/pe, act: actual or planned).
WORKED = "coalesce(sum(pe - ps) FILTER (WHERE act), 0)"
PLANNED = "coalesce(sum(pe - ps) FILTER (WHERE NOT act), 0)"
NIGHT_WORKED = "coalesce(sum({night}) FILTER (WHERE act), 0)"
# A day that may break a day rule of some placement in scope ("hot"): over the smallest daily limit, any night
# minute, more than the smallest overtime allowance over the plan, or any work on a statutory holiday.
HOT_DAY = """({worked} > %(min_day)s OR {night_worked} > 0 OR {worked} - {planned} > %(min_overtime)s
              OR ({worked} > 0 AND day = ANY(%(holidays)s)))"""

# The pieces of every shift in the audited weeks: [start, min(end, midnight)) on its local day, and for the few
# shifts crossing local midnight [00:00, end) on the next day (from the partial index rules_shift_crossing). The
# index rules_shift_local_day (local_week, placement_id, local_day) INCLUDE (local_start, duration, kind) hands
# the audited weeks over in order with an index-only range scan, the sorted crossing pieces merge in, and both
# groupings (day, then week) stream: neither a sort nor a hash table of millions of groups (the full audit:
# measured 3x faster than hashing, in bounded memory; one week: a range of the index). Only weeks that may
# break a rule are kept, each with its hot days as JSON. (The day sums are spelt out again in "hot" so that
# it is computed once per day, by the day grouping.)
WEEK_SQL = """
CREATE TEMP TABLE audit_week ON COMMIT DROP AS
SELECT placement_id, week AS monday, sum(worked) AS worked, count(*) FILTER (WHERE worked > 0) AS days,
       jsonb_agg(jsonb_build_array(day, worked, planned, night)) FILTER (WHERE hot) AS hot_days
  FROM (SELECT placement_id, week, day, {worked} AS worked, {planned} AS planned, {night_worked} AS night,
               {hot} AS hot
          FROM (SELECT sh.local_week AS week, sh.placement_id, sh.local_day AS day,
                       sh.kind = 'actual' AS act, sh.local_start AS ps,
                       least(sh.local_start + sh.duration, 86400) AS pe
                  FROM rules_shift sh
                UNION ALL
                SELECT date_trunc('week', (sh.local_day + 1)::timestamp)::date, sh.placement_id,
                       sh.local_day + 1, sh.kind = 'actual', 0::double precision,
                       sh.local_start + sh.duration - 86400
                  FROM rules_shift sh
                 WHERE sh.local_start + sh.duration > 86400
                   AND sh.local_day BETWEEN %(lo_week)s - 1 AND %(hi_day)s - 1) pieces
         WHERE week BETWEEN %(lo_week)s AND %(hi_week)s AND day <= %(hi_day)s{paused}
         GROUP BY week, placement_id, day) days
 GROUP BY week, placement_id
HAVING sum(worked) > %(min_week)s OR count(*) FILTER (WHERE worked > 0) > %(max_days)s OR bool_or(hot)
"""

# The pieces on a paused day are not audited (backend.rules.pauses). Only added when the audited weeks hold a
# pause, and written as a filter the planner cannot turn into a join: the ordered streaming scan stays as it is.
PAUSED_SQL = """
           AND NOT (pieces.placement_id = ANY(%(paused_ids)s) AND EXISTS (
               SELECT 1 FROM unnest(%(pz_ids)s::bigint[], %(pz_lo)s::date[], %(pz_hi)s::date[]) AS z (pid, lo, hi)
                WHERE z.pid = pieces.placement_id AND pieces.day BETWEEN z.lo AND z.hi))"""

FINDING_SQL = """
CREATE TEMP TABLE audit_finding (
    placement_id bigint NOT NULL,
    rule_code text NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL,
    figures jsonb NOT NULL,
    policy_code text NOT NULL
) ON COMMIT DROP
"""

# Each placement's own figures judge the candidate weeks and days. The minute figures are whole minutes
# rounded up (ceil of seconds / 60).
RULES_SQL = """
WITH wk AS MATERIALIZED (
    SELECT w.*, sc.policy_code, sc.max_day, sc.max_week, sc.rest_days, sc.overtime, sc.ns, sc.ne
      FROM audit_week w JOIN audit_scope sc USING (placement_id)
     WHERE w.monday BETWEEN %(lo_week)s AND %(hi_day)s
), hot AS MATERIALIZED (
    SELECT wk.placement_id, wk.policy_code, wk.max_day, wk.overtime, wk.ns, wk.ne, d.day, d.worked, d.planned, d.night
      FROM wk CROSS JOIN LATERAL (
               SELECT (e->>0)::date AS day, (e->>1)::float8 AS worked, (e->>2)::float8 AS planned,
                      (e->>3)::float8 AS night
                 FROM jsonb_array_elements(wk.hot_days) e) d
     WHERE wk.hot_days IS NOT NULL AND d.day BETWEEN %(lo_week)s AND %(hi_day)s
)
INSERT INTO audit_finding
SELECT placement_id, 'DAILY_HOURS', day, day,
       jsonb_build_object('limit_minutes', max_day, 'actual_minutes', ceil(worked / 60)::int), policy_code
  FROM hot WHERE worked > max_day * 60
UNION ALL
SELECT placement_id, 'NIGHT_WORK', day, day,
       jsonb_build_object('limit_minutes', 0, 'actual_minutes', ceil(night / 60)::int,
                          'window', to_char(make_time(ns / 3600, ns %% 3600 / 60, 0), 'HH24:MI') || '-' ||
                                    to_char(make_time(ne / 3600, ne %% 3600 / 60, 0), 'HH24:MI')),
       policy_code
  FROM hot WHERE night > 0
UNION ALL
SELECT hot.placement_id, 'HOLIDAY_WORK', hot.day, hot.day,
       jsonb_build_object('limit_minutes', 0, 'actual_minutes', ceil(hot.worked / 60)::int,
                          'holiday', coalesce(nullif(h.name_zh, ''), h.name)),
       hot.policy_code
  FROM hot JOIN rules_holiday h ON h.date = hot.day AND h.kind = 'holiday'
 WHERE hot.worked > 0
UNION ALL
SELECT placement_id, 'OVERTIME', day, day,
       jsonb_build_object('limit_minutes', overtime, 'actual_minutes', ceil((worked - planned) / 60)::int,
                          'planned_minutes', ceil(planned / 60)::int,
                          'worked_minutes', ceil(worked / 60)::int),
       policy_code
  FROM hot WHERE worked - planned > overtime * 60
UNION ALL
SELECT placement_id, 'WEEKLY_HOURS', monday, monday + 6,
       jsonb_build_object('limit_minutes', max_week, 'actual_minutes', ceil(worked / 60)::int,
                          'iso_week', to_char(monday, 'IYYY-"W"IW')),
       policy_code
  FROM wk WHERE worked > max_week * 60
UNION ALL
SELECT placement_id, 'REST_DAY', monday, monday + 6,
       jsonb_build_object('limit_days', rest_days, 'actual_days', 7 - days,
                          'iso_week', to_char(monday, 'IYYY-"W"IW')),
       policy_code
  FROM wk WHERE 7 - days < rest_days
"""

# An exception filed with the authority covering the rule and the whole period removes the finding.
EXCEPTION_SQL = """
DELETE FROM audit_finding f
 USING rules_shiftexception e
 WHERE e.placement_id = f.placement_id AND e.rule_code = f.rule_code
   AND e.period_start <= f.period_start AND e.period_end >= f.period_end
"""

# Idempotent upsert: a finding seen before moves last_seen; a resolved one is reopened, whoever resolved it (a
# person's resolution does not make a condition that still holds go away; an exception filed with the authority
# does, and its findings were deleted above). A person-resolved one is told again (notified_severity cleared).
UPSERT_SQL = """
WITH reopen AS (
    SELECT v.id FROM rules_violation v
      JOIN audit_finding f USING (placement_id, rule_code, period_start, period_end)
     WHERE v.status = 'resolved' AND v.resolved_by_id IS NOT NULL
), upserted AS (
    INSERT INTO rules_violation AS v
           (placement_id, rule_code, period_start, period_end, figures, severity, status,
            first_seen, last_seen, policy_code, note, notified_severity, created_at, updated_at)
    SELECT placement_id, rule_code, period_start, period_end, figures, 'violation', 'open',
           %(now)s, %(now)s, policy_code, '', '', %(now)s, %(now)s
      FROM audit_finding
    ON CONFLICT (placement_id, rule_code, period_start, period_end) DO UPDATE
       SET last_seen = EXCLUDED.last_seen,
           figures = EXCLUDED.figures,
           updated_at = EXCLUDED.updated_at,
           status = CASE WHEN v.status = 'resolved' THEN 'open' ELSE v.status END,
           resolved_at = CASE WHEN v.status = 'resolved' THEN NULL ELSE v.resolved_at END,
           resolved_by_id = CASE WHEN v.status = 'resolved' THEN NULL ELSE v.resolved_by_id END,
           note = CASE WHEN v.status = 'resolved' AND v.resolved_by_id IS NOT NULL
                       THEN %(reopen_note)s ELSE v.note END,
           notified_severity = CASE WHEN v.status = 'resolved' AND v.resolved_by_id IS NOT NULL
                                    THEN '' ELSE v.notified_severity END
    RETURNING v.id, (v.xmax = 0) AS inserted
)
SELECT id, inserted FROM upserted WHERE inserted OR id IN (SELECT id FROM reopen)
"""

# Open findings of these rules inside the audited window that were not seen again are resolved.
RESOLVE_SQL = """
UPDATE rules_violation v
   SET status = 'resolved', resolved_at = %(now)s, note = %(note)s, updated_at = %(now)s
 WHERE v.status IN ('open', 'acknowledged')
   AND v.rule_code = ANY(%(rules)s)
   AND v.period_start >= %(lo_week)s AND v.period_end <= %(hi_day)s
   AND v.placement_id IN (SELECT placement_id FROM audit_scope)
   AND NOT EXISTS (SELECT 1 FROM audit_finding f
                    WHERE f.placement_id = v.placement_id AND f.rule_code = v.rule_code
                      AND f.period_start = v.period_start AND f.period_end = v.period_end)
"""


def _fill_scope(cursor, scope: Scope) -> int:
    cursor.execute(GROUP_SQL)
    with cursor.copy(
        "COPY audit_group (pilot_id, start_date, policy_code, max_day, max_week, rest_days, overtime, ns, ne)"
        " FROM STDIN"
    ) as copy:
        for g in scope.groups:
            copy.write_row(
                (
                    g.pilot_id,
                    g.start_date,
                    g.policy_code,
                    g.max_daily_minutes,
                    g.max_weekly_minutes,
                    g.min_rest_days,
                    g.max_overtime_minutes,
                    g.night_start_seconds,
                    g.night_end_seconds,
                )
            )
    cursor.execute(SCOPE_SQL.format(placements=scope.placements_sql), scope.placements_params)
    placements = cursor.rowcount
    cursor.execute("ALTER TABLE audit_scope ADD PRIMARY KEY (placement_id)")
    cursor.execute("ANALYZE audit_scope")
    return placements


def _night_window(groups: Sequence[ScopeGroup]) -> tuple[int, int]:
    windows = {(g.night_start_seconds, g.night_end_seconds) for g in groups}
    if len(windows) > 1:
        # One window per audit run keeps the day pass a streaming scan; run once per window instead.
        raise ValueError("run_worktime_audit takes placements sharing one night window")
    return windows.pop() if windows else (22 * 3600, 6 * 3600)


def _week_sql(scope: Scope) -> str:
    ns, ne = _night_window(scope.groups)
    sums = {
        "worked": WORKED,
        "planned": PLANNED,
        "night_worked": NIGHT_WORKED.format(night=NIGHT.format(ns=int(ns), ne=int(ne))),
    }
    return WEEK_SQL.format(**sums, hot=HOT_DAY.format(**sums), paused=PAUSED_SQL if scope.paused else "")


def _paused_params(scope: Scope) -> dict[str, list[Any]]:
    if not scope.paused:
        return {}
    return {
        "paused_ids": sorted({pid for pid, _, _ in scope.paused}),
        "pz_ids": [pid for pid, _, _ in scope.paused],
        "pz_lo": [lo for _, lo, _ in scope.paused],
        "pz_hi": [hi for _, _, hi in scope.paused],
    }


def run_worktime_audit(
    cursor,
    *,
    scope: Scope,
    lo_day: date,
    hi_day: date,
    now: datetime,
) -> AuditResult:
    """Audit the days ``lo_day``..``hi_day`` (local, inclusive) for the placements in ``scope``.

    Weekly rules are judged for ISO weeks starting on or after ``lo_day``'s Monday, so callers widen
    ``lo_day`` to a Monday and ``hi_day`` to a Sunday (the incremental audit of one day audits its ISO week).
    Must run inside a transaction (the temp tables drop on commit). ``cursor`` is a psycopg 3 cursor.
    """
    lo_week = lo_day - timedelta(days=lo_day.isoweekday() - 1)
    timings: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now_t = time.perf_counter()
        timings[name] = round(now_t - t, 3)
        t = now_t

    cursor.execute(SESSION_SQL)
    # ON COMMIT DROP does not fire when the caller's transaction is a savepoint (tests): drop explicitly.
    cursor.execute(DROP_SQL)
    placements = _fill_scope(cursor, scope)
    lap("scope")
    cursor.execute(
        "SELECT array_agg(date) FROM rules_holiday WHERE kind = 'holiday' AND date BETWEEN %s AND %s",
        [lo_week, hi_day],
    )
    thresholds = {
        "holidays": cursor.fetchone()[0] or [],
        "min_day": min((g.max_daily_minutes for g in scope.groups), default=0) * 60,
        "min_overtime": min((g.max_overtime_minutes for g in scope.groups), default=0) * 60,
        "min_week": min((g.max_weekly_minutes for g in scope.groups), default=0) * 60,
        "max_days": 7 - max((g.min_rest_days for g in scope.groups), default=0),
    }
    # For many weeks the planner prices hashing or sorting millions of rows, or a parallel plan, below the
    # ordered index-only scan they lose to (2-3x, and 300+ MB): steer it to the streaming plan.
    cursor.execute(STREAMING_SQL)
    weeks = {
        "lo_week": lo_week,
        "hi_week": hi_day - timedelta(days=hi_day.isoweekday() - 1),
        "hi_day": hi_day,
    }
    cursor.execute(_week_sql(scope), {**weeks, **thresholds, **_paused_params(scope)})
    cursor.execute(DEFAULT_PLANNER_SQL)
    lap("weeks")
    cursor.execute(FINDING_SQL)
    cursor.execute(RULES_SQL, {"lo_week": lo_week, "hi_day": hi_day})
    cursor.execute(EXCEPTION_SQL)
    for waiver in absence.waiver_sql():  # approved leave days count as no work (rules/absence.py)
        cursor.execute(waiver)
    # An index, not only statistics: the resolve step's anti-join must not turn quadratic on a bad estimate.
    cursor.execute("CREATE INDEX ON audit_finding (placement_id, rule_code, period_start, period_end)")
    cursor.execute("ANALYZE audit_finding")
    cursor.execute("SELECT count(*) FROM audit_finding")
    findings = cursor.fetchone()[0]
    lap("rules")
    cursor.execute(UPSERT_SQL, {"now": now, "reopen_note": REOPEN_NOTE})
    rows = cursor.fetchall()
    created = [pk for pk, inserted in rows if inserted]
    reopened = [pk for pk, inserted in rows if not inserted]
    lap("upsert")
    cursor.execute(
        RESOLVE_SQL,
        {
            "now": now,
            "note": AUTO_RESOLVE_NOTE,
            "rules": list(SHIFT_RULES),
            "lo_week": lo_week,
            "hi_day": hi_day,
        },
    )
    resolved = cursor.rowcount
    lap("resolve")
    cursor.execute(DROP_SQL)
    cursor.execute(RESET_SQL)
    return AuditResult(
        placements=placements,
        findings=findings,
        created=created,
        resolved=resolved,
        seconds=timings,
        reopened=reopened,
    )
