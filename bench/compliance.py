"""Working-time compliance at scale: 5 million shift rows for 20,000 active placements in PostgreSQL.

Prints, side by side in one run:
  - the COPY load rate and a bare sequential scan;
  - the full set-based SQL audit (all six working-time rules, written as violations), twice (idempotent re-run),
    its weeks split between XUETU_AUDIT_WORKERS connections (default: the cores, at most 4);
  - the straightforward alternative: fetch every row into Python and run the same pure rules there,
    in a child process whose peak memory (max RSS) is reported;
  - the incremental audit of one day (its ISO week, every active placement);
  - entering one planned shift with all its checks (median of 30).

Targets (issue 5): full audit < 10 s and >= 6x faster than fetch-and-check in bounded memory; one day < 1 s;
one shift entry < 50 ms. Usage: XUETU_TEST_DB=xuetu_bench_rules python bench/compliance.py [--placements N]
"""

import argparse
import datetime
import hashlib
import io
import os
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from multiprocessing import get_context

os.environ.setdefault("XUETU_TEST_DB", "xuetu_bench_rules")

from _django import bench_database  # noqa: E402

SH = datetime.timezone(datetime.timedelta(hours=8))
FIRST_MONDAY = datetime.date(2026, 1, 5)
WEEKS = 27


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_org(n_placements: int) -> list[int]:
    """One school, program, cohort and pilot; 100 companies with a post each; 5 apprentices per mentor."""
    from backend.companies.models import Company, Mentor, Post
    from backend.core.ids import compose_credit_code, compose_resident_id
    from backend.placements.models import PilotProject, Placement
    from backend.schools.models import Cohort, Program, School, Student

    school = School.objects.create(name="基准测试职业学校")
    program = Program.objects.create(school=school, name="数控技术", years=3)
    cohort = Cohort.objects.create(program=program, entry_year=2024)
    pilot = PilotProject.objects.create(name="基准试点", school=school, program=program, year=2026)
    companies = Company.objects.bulk_create(
        [
            Company(
                name=f"基准企业{i}",
                credit_code=compose_credit_code(f"91310000{i:09d}"),
                staff_count=100_000,
                annual_revenue=50_000_000,
            )
            for i in range(100)
        ]
    )
    pilot.companies.set(companies)
    posts = Post.objects.bulk_create(
        [
            Post(company=c, title="数控车工", capacity=1000, staff_on_post=50_000, monthly_wage=5000)
            for c in companies
        ]
    )
    mentors = Mentor.objects.bulk_create(
        [
            Mentor(company=posts[i % 100].company, post=posts[i % 100], name=f"师傅{i}")
            for i in range(n_placements // 5 + 1)
        ]
    )
    students = Student.objects.bulk_create(
        [
            Student(
                school=school,
                cohort=cohort,
                name=f"学生{i}",
                birth_date=datetime.date(2006, 1, 1) + datetime.timedelta(days=i // 900),
                sex="M",
                resident_id=compose_resident_id(
                    "310101", datetime.date(2006, 1, 1) + datetime.timedelta(days=i // 900), i % 900 + 1
                ),
            )
            for i in range(n_placements)
        ],
        batch_size=5000,
    )
    placements = Placement.objects.bulk_create(
        [
            Placement(
                pilot=pilot,
                student=s,
                post=posts[(i // 5) % 100],
                mentor=mentors[i // 5],
                status="active",
                start_date=datetime.date(2026, 1, 5),
                end_date=datetime.date(2026, 12, 31),
                monthly_pay=4200,
            )
            for i, s in enumerate(students)
        ],
        batch_size=5000,
    )
    return [p.pk for p in placements]


def _h(*parts: int) -> int:
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=4).digest(), "little")


def shift_rows(placement_ids: list[int], calendar, counter: list[int]) -> Iterator[str]:
    """COPY text, day by day as shifts are entered in real life (so a week's rows sit together on disk):
    planned Mon-Fri 08:00-16:00 on working days (statutory holidays off, 调休 Saturdays on); actual = planned
    with ~1% late finishes, ~0.3% evening shifts into the night, ~0.3% holiday call-ins. Streamed one day at
    a time: the load never holds 5 million rows in memory."""
    holidays = {d for d in calendar.holidays if calendar.is_statutory_holiday(d)}
    created = "2026-01-01 00:00:00+08"
    n = 0
    for offset in range(WEEKS * 7):
        d = FIRST_MONDAY + datetime.timedelta(days=offset)
        day = d.isoformat()
        out = io.StringIO()
        working = (d.isoweekday() < 6 or d in calendar.workdays) and d not in holidays
        for pid in placement_ids:
            if working:
                out.write(f"{pid}\tplanned\t{day} 08:00:00+08\t{day} 16:00:00+08\tpending\t\t{created}\n")
                r = _h(pid, d.toordinal()) % 1000
                if r < 10:
                    start, end = f"{day} 08:00:00+08", f"{day} 16:30:00+08"
                elif r < 13:
                    start, end = f"{day} 14:00:00+08", f"{day} 22:30:00+08"
                else:
                    start, end = f"{day} 08:00:00+08", f"{day} 16:00:00+08"
                out.write(f"{pid}\tactual\t{start}\t{end}\tconfirmed\t\t{created}\n")
                n += 2
            elif d in holidays and d.isoweekday() < 6 and _h(pid, d.toordinal(), 7) % 1000 < 3:
                out.write(f"{pid}\tactual\t{day} 09:00:00+08\t{day} 12:00:00+08\tpending\t\t{created}\n")
                n += 1
        yield out.getvalue()
    counter.append(n)


def fetch_and_check(db_settings: dict, queue) -> None:
    """The straightforward way, in a fresh process: fetch every row into Python, then run the pure rules."""
    import psycopg

    from backend.rules import worktime as wt
    from backend.rules.calendar import package_calendar
    from backend.rules.policy import Policy

    t0 = time.perf_counter()
    policy, calendar = Policy(), package_calendar()
    conninfo = f"host={db_settings['HOST']} port={db_settings['PORT']} user={db_settings['USER']} dbname={db_settings['NAME']}"
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT s.placement_id, s.kind, s.start_at, s.end_at FROM rules_shift s"
            " JOIN placements_placement p ON p.id = s.placement_id WHERE p.status = 'active'"
            " ORDER BY s.placement_id, s.start_at"
        ).fetchall()
    fetched = time.perf_counter() - t0
    findings = 0
    i = 0
    while i < len(rows):
        pid = rows[i][0]
        actual, planned = [], []
        while i < len(rows) and rows[i][0] == pid:
            _, kind, a, b = rows[i]
            (actual if kind == "actual" else planned).append(wt.ShiftSpan(a, b))
            i += 1
        findings += len(wt.check_worktime(actual, policy, calendar, rules=wt.WORKTIME_RULES, planned=planned))
    queue.put(
        {
            "rows": len(rows),
            "fetch_s": fetched,
            "total_s": time.perf_counter() - t0,
            "findings": findings,
            "max_rss_mb": rss_mb(),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--placements", type=int, default=20_000)
    parser.add_argument("--skip-python", action="store_true", help="skip the slow fetch-and-check comparison")
    args = parser.parse_args()

    from django.conf import settings
    from django.db import connection, transaction

    from backend.rules.selectors import calendar_between
    from backend.rules.services.audit import worktime_audit
    from backend.rules.services.shifts import shifts_enter

    with bench_database():
        t = time.perf_counter()
        ids = make_org(args.placements)
        print(f"organisation: {len(ids):,} active placements in {time.perf_counter() - t:.1f} s")
        calendar = calendar_between(FIRST_MONDAY, FIRST_MONDAY + datetime.timedelta(days=WEEKS * 7))
        counter: list[int] = []
        t = time.perf_counter()
        with connection.cursor() as c:
            # A bulk load: foreign key and secondary indexes off during COPY, rebuilt (and validated) after.
            c.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = 'rules_shift'::regclass AND contype = 'f'"
            )
            fks = c.fetchall()
            c.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'rules_shift'"
                " AND indexname NOT LIKE '%pkey'"
            )
            indexes = c.fetchall()
            for name, _ in fks:
                c.execute(f'ALTER TABLE rules_shift DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                c.execute(f'DROP INDEX "{name}"')
        with (
            connection.cursor() as c,
            c.cursor.copy(
                "COPY rules_shift (placement_id, kind, start_at, end_at, attestation, dispute_note, created_at) FROM STDIN"
            ) as copy,
        ):
            for chunk in shift_rows(ids, calendar, counter):
                copy.write(chunk)
        load = time.perf_counter() - t
        n = counter[0]
        t = time.perf_counter()
        with connection.cursor() as c:
            c.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in indexes:
                c.execute(definition)
            for name, definition in fks:
                c.execute(f'ALTER TABLE rules_shift ADD CONSTRAINT "{name}" {definition}')
        rebuild = time.perf_counter() - t
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE rules_shift")
        print(
            f"shifts: {n:,} rows generated and loaded with COPY in {load:.1f} s ({n / load:,.0f} rows/s), "
            f"indexes and foreign key rebuilt in {rebuild:.1f} s"
        )

        with connection.cursor() as c:
            t = time.perf_counter()
            c.execute("SELECT count(*) FROM rules_shift")
            print(f"bare sequential scan (count(*)): {time.perf_counter() - t:.2f} s")

        now = datetime.datetime(2026, 7, 1, 2, 30, tzinfo=SH)
        results = {}
        for label in ("full audit, first run (creates violations)", "full audit, re-run (idempotent)"):
            t = time.perf_counter()
            r = worktime_audit(now=now, notify=False)
            elapsed = time.perf_counter() - t
            results[label] = elapsed
            print(
                f"{label}: {elapsed:.2f} s  findings={r['findings']:,} created={r['created']:,} "
                f"resolved={r['resolved']:,} parts={r['parts']} (XUETU_AUDIT_WORKERS={settings.XUETU_AUDIT_WORKERS}) "
                f"slowest part's steps={r['seconds']}  bench process max RSS {rss_mb():.0f} MB"
            )
        with connection.cursor() as c:
            c.execute("SELECT rule_code, count(*) FROM rules_violation GROUP BY 1 ORDER BY 1")
            print("violations by rule:", dict(c.fetchall()))

        if not args.skip_python:
            ctx = get_context("spawn")
            queue = ctx.Queue()
            proc = ctx.Process(target=_child, args=(dict(connection.settings_dict), queue))
            t = time.perf_counter()
            proc.start()
            out = queue.get()
            proc.join()
            print(
                f"fetch-and-check in Python: {out['total_s']:.1f} s (fetch {out['fetch_s']:.1f} s) for "
                f"{out['rows']:,} rows, findings={out['findings']:,}, child max RSS {out['max_rss_mb']:.0f} MB"
            )
            full = results["full audit, first run (creates violations)"]
            print(f"speed-up of the SQL audit over fetch-and-check: {out['total_s'] / full:.1f}x")

        day = datetime.date(2026, 3, 11)
        times = []
        for _ in range(3):
            t = time.perf_counter()
            r = worktime_audit(lo_day=day, hi_day=day, now=now, notify=False)
            times.append(time.perf_counter() - t)
            steps = r["seconds"]
        print(
            f"incremental audit of one day ({day}, its ISO week, all placements): median "
            f"{statistics.median(times):.3f} s (runs {', '.join(f'{x:.3f}' for x in times)}; last run's steps {steps})"
        )

        from backend.placements.models import Placement

        placement = Placement.objects.get(pk=ids[0])
        times = []
        base = datetime.datetime(2026, 8, 3, 8, 0, tzinfo=SH)  # Mondays after the loaded data
        for i in range(30):
            start = base + datetime.timedelta(days=(i // 5) * 7 + i % 5)
            t = time.perf_counter()
            with transaction.atomic():
                shifts_enter(
                    actor=None,
                    placement=placement,
                    kind="planned",
                    spans=[(start, start + datetime.timedelta(hours=8))],
                )
            times.append((time.perf_counter() - t) * 1000)
        print(
            f"one planned shift entered with all checks: median {statistics.median(times):.1f} ms, "
            f"max {max(times):.1f} ms (30 entries)"
        )


def _child(db_settings: dict, queue) -> None:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.test")
    fetch_and_check(db_settings, queue)


if __name__ == "__main__":
    main()
