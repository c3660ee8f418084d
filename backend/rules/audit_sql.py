"""The working-time audit as set-based SQL (PostgreSQL), run over a raw psycopg cursor.

One grouping pass turns shift rows into placement-days (worked, planned and night seconds), then the
rules are plain scans of that small temp table. The session runs with ``SET LOCAL TimeZone =
'Asia/Shanghai'`` so that ``start_at::date`` and ``start_at::time`` are local, and a raised work_mem
so the hash aggregate stays in memory (FIELD-NOTES). No row is fetched into Python except the
per-placement policy figures going in and the ids of new violations coming out.

Shifts last at most 24 hours (a check constraint on the table), so a shift touches at most two days.
Day figures are in seconds; reported figures are whole minutes rounded up, as in ``worktime``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from backend.rules.worktime import DAILY_HOURS, HOLIDAY_WORK, NIGHT_WORK, OVERTIME, REST_DAY, WEEKLY_HOURS

SHIFT_RULES = (DAILY_HOURS, WEEKLY_HOURS, NIGHT_WORK, HOLIDAY_WORK, REST_DAY, OVERTIME)
AUTO_RESOLVE_NOTE = "审计复核：条件已不再成立 / audit: the condition no longer holds"


@dataclass(frozen=True)
class ScopeRow:
    """One active placement and its policy's working-time figures."""

    placement_id: int
    policy_code: str
    max_daily_minutes: int
    max_weekly_minutes: int
    min_rest_days: int
    max_overtime_minutes: int
    night_start_seconds: int
    night_end_seconds: int


@dataclass(frozen=True)
class AuditResult:
    placements: int
    findings: int
    created: list[int]
    resolved: int
    seconds: dict[str, float]


SESSION_SQL = """
SET LOCAL TimeZone = 'Asia/Shanghai';
SET LOCAL work_mem = '512MB';
SET LOCAL jit = off;
"""

DROP_SQL = "DROP TABLE IF EXISTS audit_scope, audit_day, audit_cross, audit_finding"
# Back to Django's connection settings for the rest of a longer transaction.
RESET_SQL = "SET LOCAL TimeZone = 'UTC'; SET LOCAL work_mem TO DEFAULT; SET LOCAL jit TO DEFAULT"

SCOPE_SQL = """
CREATE TEMP TABLE audit_scope (
    placement_id bigint PRIMARY KEY,
    policy_code text NOT NULL,
    max_day integer NOT NULL,
    max_week integer NOT NULL,
    rest_days integer NOT NULL,
    overtime integer NOT NULL,
    ns integer NOT NULL,
    ne integer NOT NULL
) ON COMMIT DROP
"""

# The day pass streams: the covering index rules_shift (placement_id, kind, local day) INCLUDE (start_at,
# end_at) hands rows over already ordered, so each kind is summed per placement-day by a GroupAggregate
# that needs neither a sort nor a hash table of millions of groups (measured 2-3x faster than the hash
# aggregate, in bounded memory), and the two streams meet in a merge join. The part of a shift after local
# midnight is added afterwards from a small partial index of the shifts that cross midnight.
# {ns}/{ne}: the night window in seconds after midnight (one window for every placement in scope).
LOCAL_START = "(sh.start_at AT TIME ZONE 'Asia/Shanghai')"
LOCAL_END = "(sh.end_at AT TIME ZONE 'Asia/Shanghai')"
NIGHT = """CASE WHEN {ns} > {ne}
               THEN greatest(0, least(pe, {ne}) - ps) + greatest(0, pe - greatest(ps, {ns}))
               ELSE greatest(0, least(pe, {ne}) - greatest(ps, {ns})) END"""

DAY_SQL = """
CREATE TEMP TABLE audit_day ON COMMIT DROP AS
WITH a AS (
    SELECT placement_id, day, sum(pe - ps) AS worked, sum({night}) AS night
      FROM (SELECT placement_id, day, ps, least(ps + dur, 86400) AS pe
              FROM (SELECT sh.placement_id, {ls}::date AS day, date_part('epoch', {ls}::time) AS ps,
                           date_part('epoch', sh.end_at - sh.start_at) AS dur
                      FROM rules_shift sh WHERE sh.kind = 'actual' AND {window}) s0) s
     GROUP BY placement_id, day
), p AS (
    SELECT placement_id, day, sum(least(ps + dur, 86400) - ps) AS planned
      FROM (SELECT sh.placement_id, {ls}::date AS day, date_part('epoch', {ls}::time) AS ps,
                   date_part('epoch', sh.end_at - sh.start_at) AS dur
              FROM rules_shift sh WHERE sh.kind = 'planned' AND {window}) s
     GROUP BY placement_id, day
)
SELECT coalesce(a.placement_id, p.placement_id) AS placement_id, coalesce(a.day, p.day) AS day,
       coalesce(a.worked, 0) AS worked, coalesce(p.planned, 0) AS planned, coalesce(a.night, 0) AS night
  FROM a FULL JOIN p ON p.placement_id = a.placement_id AND p.day = a.day
"""

# The incremental audit (a week or so): read the window through the start_at index first, then sum both
# kinds in one small hash aggregate. (Without the materialized window the planner may prefer walking the
# whole local-day index in order, which is right for the full audit and 20x too slow for one week.)
DAY_WINDOW_SQL = """
CREATE TEMP TABLE audit_day ON COMMIT DROP AS
WITH win AS MATERIALIZED (
    SELECT sh.placement_id, sh.kind, sh.start_at, sh.end_at FROM rules_shift sh WHERE {window}
)
SELECT placement_id, day,
       coalesce(sum(pe - ps) FILTER (WHERE act), 0) AS worked,
       coalesce(sum(pe - ps) FILTER (WHERE NOT act), 0) AS planned,
       coalesce(sum({night}) FILTER (WHERE act), 0) AS night
  FROM (SELECT placement_id, act, day, ps, least(ps + dur, 86400) AS pe
          FROM (SELECT sh.placement_id, sh.kind = 'actual' AS act, {ls}::date AS day,
                       date_part('epoch', {ls}::time) AS ps, date_part('epoch', sh.end_at - sh.start_at) AS dur
                  FROM win sh) s0) s
 GROUP BY placement_id, day
"""

# The second piece of each shift crossing local midnight: [00:00, end) on the end's local day.
CROSSING_SQL = """
CREATE TEMP TABLE audit_cross ON COMMIT DROP AS
SELECT placement_id, day,
       coalesce(sum(pe - ps) FILTER (WHERE act), 0) AS worked,
       coalesce(sum(pe - ps) FILTER (WHERE NOT act), 0) AS planned,
       coalesce(sum({night}) FILTER (WHERE act), 0) AS night
  FROM (SELECT sh.placement_id, sh.kind = 'actual' AS act, {le}::date AS day, 0 AS ps,
               date_part('epoch', {le}::time) AS pe
          FROM rules_shift sh
         WHERE {le}::date > {ls}::date AND {window}) s
 WHERE pe > 0
 GROUP BY placement_id, day
"""

CROSSING_MERGE_SQL = """
UPDATE audit_day d
   SET worked = d.worked + x.worked, planned = d.planned + x.planned, night = d.night + x.night
  FROM audit_cross x
 WHERE x.placement_id = d.placement_id AND x.day = d.day;
INSERT INTO audit_day (placement_id, day, worked, planned, night)
SELECT x.placement_id, x.day, x.worked, x.planned, x.night
  FROM audit_cross x
 WHERE NOT EXISTS (SELECT 1 FROM audit_day d WHERE d.placement_id = x.placement_id AND d.day = x.day)
"""

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

# The minute figures are whole minutes rounded up (ceil of seconds / 60). Day rules look only at the few
# days over the smallest limit in scope ("hot"); week rules group the day table by (placement, ISO week).
RULES_SQL = """
WITH hot AS MATERIALIZED (
    SELECT d.*, sc.policy_code, sc.max_day, sc.overtime, sc.ns, sc.ne
      FROM audit_day d JOIN audit_scope sc USING (placement_id)
     WHERE d.day BETWEEN %(lo_week)s AND %(hi_day)s
       AND (d.worked > %(min_day)s OR d.night > 0 OR d.worked - d.planned > %(min_overtime)s
            OR (d.worked > 0 AND d.day = ANY(%(holidays)s)))
), w AS (
    SELECT placement_id, day - (day - DATE '2000-01-03') %% 7 AS monday, sum(worked) AS worked,
           count(*) FILTER (WHERE worked > 0) AS days
      FROM audit_day
     WHERE day BETWEEN %(lo_week)s AND %(hi_day)s
     GROUP BY 1, 2
), wk AS MATERIALIZED (
    SELECT w.*, sc.policy_code, sc.max_week, sc.rest_days
      FROM w JOIN audit_scope sc USING (placement_id)
     WHERE w.worked > sc.max_week * 60 OR 7 - w.days < sc.rest_days
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

# Idempotent upsert: a finding seen before only moves last_seen (and reopens an auto-resolved one).
UPSERT_SQL = """
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
       status = CASE WHEN v.status = 'resolved' AND v.resolved_by_id IS NULL THEN 'open' ELSE v.status END,
       resolved_at = CASE WHEN v.status = 'resolved' AND v.resolved_by_id IS NULL
                          THEN NULL ELSE v.resolved_at END
 WHERE v.status <> 'resolved' OR v.resolved_by_id IS NULL
RETURNING v.id, (v.xmax = 0) AS inserted
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


def _copy_scope(cursor, rows: Iterable[ScopeRow]) -> int:
    n = 0
    with cursor.copy(
        "COPY audit_scope (placement_id, policy_code, max_day, max_week, rest_days, overtime, ns, ne)"
        " FROM STDIN"
    ) as copy:
        for r in rows:
            copy.write_row(
                (
                    r.placement_id,
                    r.policy_code,
                    r.max_daily_minutes,
                    r.max_weekly_minutes,
                    r.min_rest_days,
                    r.max_overtime_minutes,
                    r.night_start_seconds,
                    r.night_end_seconds,
                )
            )
            n += 1
    return n


def _night_window(scope: Sequence[ScopeRow]) -> tuple[int, int]:
    windows = {(r.night_start_seconds, r.night_end_seconds) for r in scope}
    if len(windows) > 1:
        # One window per audit run keeps the day pass a streaming scan; run once per window instead.
        raise ValueError("run_worktime_audit takes placements sharing one night window")
    return windows.pop() if windows else (22 * 3600, 6 * 3600)


def _day_sqls(scope: Sequence[ScopeRow], *, full: bool) -> tuple[str, str]:
    ns, ne = _night_window(scope)
    night = NIGHT.format(ns=int(ns), ne=int(ne))
    # Shifts last at most 24 h, so a shift ending after lo started after lo - 1 day: an index range.
    window = "TRUE" if full else "sh.start_at >= %(lo_start)s AND sh.start_at < %(hi)s AND sh.end_at > %(lo)s"
    parts = {"night": night, "ls": LOCAL_START, "le": LOCAL_END, "window": window}
    return (DAY_SQL if full else DAY_WINDOW_SQL).format(**parts), CROSSING_SQL.format(**parts)


def _window(lo_week: date, hi_day: date, now: datetime) -> dict[str, datetime]:
    from datetime import timedelta

    tz = now.tzinfo
    lo = datetime.combine(lo_week, datetime.min.time(), tzinfo=tz)
    hi = datetime.combine(hi_day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return {"lo": lo, "hi": hi, "lo_start": lo - timedelta(days=1)}


def run_worktime_audit(
    cursor,
    *,
    scope: Sequence[ScopeRow],
    lo_day: date,
    hi_day: date,
    now: datetime,
    full: bool = False,
    write: bool = True,
) -> AuditResult:
    """Audit the days ``lo_day``..``hi_day`` (local, inclusive) for the placements in ``scope``.

    Weekly rules are judged for ISO weeks starting on or after ``lo_day``'s Monday, so callers widen
    ``lo_day`` to a Monday (the incremental audit of one day audits its whole ISO week).
    ``full``: read every shift row (no time window; the whole table is the window).
    Must run inside a transaction (the temp tables drop on commit). ``cursor`` is a psycopg 3 cursor.
    """
    import time
    from datetime import timedelta

    lo_week = lo_day - timedelta(days=lo_day.isoweekday() - 1)
    timings: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now_t = time.perf_counter()
        timings[name] = round(now_t - t, 3)
        t = now_t

    for stmt in SESSION_SQL.strip().split(";"):
        if stmt.strip():
            cursor.execute(stmt)
    # ON COMMIT DROP does not fire when the caller's transaction is a savepoint (tests): drop explicitly.
    cursor.execute(DROP_SQL)
    cursor.execute(SCOPE_SQL)
    placements = _copy_scope(cursor, scope)
    cursor.execute("ANALYZE audit_scope")
    lap("scope")
    day_sql, crossing_sql = _day_sqls(scope, full=full)
    window = _window(lo_week, hi_day, now)
    if full:
        # The planner prices a hash aggregate of millions of groups below the ordered index-only scan it
        # actually loses to (2-3x, and 300+ MB): steer the full day pass to the streaming plan.
        cursor.execute("SET LOCAL enable_hashagg = off")
        cursor.execute("SET LOCAL enable_hashjoin = off")
    cursor.execute(day_sql, window)
    cursor.execute("SET LOCAL enable_hashagg = on")
    cursor.execute("SET LOCAL enable_hashjoin = on")
    cursor.execute(crossing_sql, window)
    cursor.execute("SELECT EXISTS (SELECT 1 FROM audit_cross)")
    if cursor.fetchone()[0]:  # shifts across midnight are rare: skip two scans of the day table without them
        for stmt in CROSSING_MERGE_SQL.split(";"):
            cursor.execute(stmt)
    lap("days")
    cursor.execute(FINDING_SQL)
    cursor.execute(
        "SELECT array_agg(date) FROM rules_holiday WHERE kind = 'holiday' AND date BETWEEN %s AND %s",
        [lo_week, hi_day],
    )
    holidays = cursor.fetchone()[0] or []
    cursor.execute(
        RULES_SQL,
        {
            "lo_week": lo_week,
            "hi_day": hi_day,
            "holidays": holidays,
            "min_day": min((r.max_daily_minutes for r in scope), default=0) * 60,
            "min_overtime": min((r.max_overtime_minutes for r in scope), default=0) * 60,
        },
    )
    cursor.execute(EXCEPTION_SQL)
    # An index, not only statistics: the resolve step's anti-join must not turn quadratic on a bad estimate.
    cursor.execute("CREATE INDEX ON audit_finding (placement_id, rule_code, period_start, period_end)")
    cursor.execute("ANALYZE audit_finding")
    cursor.execute("SELECT count(*) FROM audit_finding")
    findings = cursor.fetchone()[0]
    lap("rules")
    created: list[int] = []
    resolved = 0
    if write:
        cursor.execute(UPSERT_SQL, {"now": now})
        created = [row[0] for row in cursor.fetchall() if row[1]]
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
        placements=placements, findings=findings, created=created, resolved=resolved, seconds=timings
    )
