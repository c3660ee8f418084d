"""Clock-in under a burst: the production web server (gunicorn, as docker-compose.yml runs it) on PostgreSQL,
driven by locust headless from this machine (loopback only), 200 apprentices clocking in with the kiosk's
rotating code through the phone page's own form (POST /me/clock/), side by side with a trivial authenticated
endpoint of the same server (GET /api/v1/me/). Then, in the same database: the mentor's "attest all" for 30
apprentices and the teacher's journal review page with 300 and with 3,000 journals in the school.

Prints figures and the issue's targets beside them; never asserts a timing (exit 1 only when the run itself
fails: the server does not start, locust gives no samples, or a clock-in is stored other than exactly once).

The database (XUETU_TEST_DB, default xuetu_bench_checkin) is dropped and created on each run and dropped after.
The server runs backend.config.settings.production with the environment docker-compose.yml gives it, pointed
at 127.0.0.1: a generated secret, DJANGO_SECURE_PROXY_SSL_HEADER=1 as in the compose file, and locust sends what
the TLS-terminating proxy would (X-Forwarded-Proto: https), so HTTPS redirect, secure cookies and HSTS stay on.

The burst is the morning's: every process of the run (this one, gunicorn's workers, locust) runs on a clock
shifted to 08:00 Beijing time of the next working day (loadgen/clock_shift.py), whatever the hour of the run.
`--at HH:MM` picks another hour; `--at now` does not shift (at night every clock-in is also a NIGHT_WORK
violation, written and notified at once).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = secrets.token_urlsafe(50)  # the server's and this process's (sessions are signed with it)
os.environ["DJANGO_SECRET_KEY"] = SECRET_KEY
os.environ.setdefault("XUETU_TEST_DB", "xuetu_bench_checkin")
os.environ.setdefault("XUETU_REDIS_DB", "15")  # the bench empties this Redis database; never the app's own

from _django import bench_database  # noqa: E402
from loadgen.clock_shift import OFFSET_ENV, shift  # noqa: E402

APPRENTICES = 200
MENTOR_GROUP = 30  # the first mentor leads 30 apprentices ("attest all")
WORKERS = (
    3  # docker-compose.yml's web service: --workers 3 (2 cores: 2 x cores - 1, and PostgreSQL beside it)
)
TRIVIAL = "/api/v1/me/"
RUNS = 7
LOCUST_TIME_LIMIT = 240  # seconds; the plan needs about 2 minutes
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build() -> dict:
    """One school, one company with one work site (four posts), 200 apprentices with active placements there,
    their users, bound devices and logged-in sessions; seven mentors (the first leads 30); one teacher."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from backend.accounts.models import Role, User
    from backend.attendance import services as attendance
    from backend.attendance import totp
    from backend.attendance.models import DeviceBinding, TeacherAssignment, WorkSite, WorkSitePost
    from backend.companies.models import Company, Mentor, Post
    from backend.core.clock import local_today
    from backend.core.ids import compose_credit_code, compose_resident_id
    from backend.placements.models import PilotProject, Placement, PlacementStatus
    from backend.schools.models import Cohort, Program, School, Student

    school = School.objects.create(name="基准测试学校")
    program = Program.objects.create(school=school, name="数控技术应用")
    cohort = Cohort.objects.create(program=program, entry_year=2024)
    company = Company.objects.create(
        name="基准企业", credit_code=compose_credit_code("91110000000000001"), staff_count=5000
    )
    pilot = PilotProject.objects.create(name="基准试点", school=school, program=program, year=2026)
    pilot.companies.set([company])
    posts = [
        Post.objects.create(
            company=company, title=f"岗位{j}", capacity=400, staff_on_post=2000, monthly_wage=Decimal("5000")
        )
        for j in range(4)
    ]
    site = WorkSite.objects.create(company=company, name="一号厂区", secret=totp.new_secret())
    WorkSitePost.objects.bulk_create([WorkSitePost(post=p, site=site) for p in posts])
    mentors = [Mentor.objects.create(company=company, post=posts[i % 4], name=f"师傅{i}") for i in range(7)]
    born = dt.date(2006, 1, 1)
    students = Student.objects.bulk_create(
        [
            Student(
                school=school,
                cohort=cohort,
                name=f"学徒{i:03d}",
                resident_id=compose_resident_id("110105", born + dt.timedelta(days=i), 1),
                birth_date=born + dt.timedelta(days=i),
                sex="M",
                student_number=f"S{i:06d}",
            )
            for i in range(APPRENTICES)
        ]
    )
    today = local_today()
    placements = Placement.objects.bulk_create(
        [
            Placement(
                pilot=pilot,
                student=s,
                post=posts[i % 4],
                mentor=mentors[0] if i < MENTOR_GROUP else mentors[1 + i % 6],
                status=PlacementStatus.ACTIVE,
                start_date=today - dt.timedelta(days=120),
                end_date=today + dt.timedelta(days=120),
                monthly_pay=Decimal("4200"),
            )
            for i, s in enumerate(students)
        ]
    )
    users = User.objects.bulk_create(
        [User(username=f"b-student{i:03d}", role=Role.STUDENT, student=s) for i, s in enumerate(students)]
    )
    for u in users:
        u.set_unusable_password()  # they are logged in already; nobody types a password in this bench
    User.objects.bulk_update(users, ["password"])
    mentor_users = [
        User.objects.create(username=f"b-mentor{i}", role=Role.MENTOR, mentor=m, company=company)
        for i, m in enumerate(mentors)
    ]
    teacher = User.objects.create(
        username="b-teacher", role=Role.TEACHER, school=school, display_name="基准老师"
    )
    TeacherAssignment.objects.bulk_create(
        [TeacherAssignment(placement=p, teacher=teacher) for p in placements]
    )
    devices = [attendance.device_token_new() for _ in students]
    DeviceBinding.objects.bulk_create(
        [
            DeviceBinding(student=s, token_hash=attendance.device_token_hash(d))
            for s, d in zip(students, devices, strict=True)
        ]
    )
    apprentices = []
    for i, (user, device) in enumerate(zip(users, devices, strict=True)):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        apprentices.append(
            {
                "session": session.session_key,
                "csrf": secrets.token_hex(16),  # 32 characters: the form sends the cookie's secret as it is
                "device": device,
                "site": site.pk,
                "secret": site.secret,
                "address": f"10.20.{i // 250}.{i % 250 + 1}",
            }
        )
    return {
        "apprentices": apprentices,
        "mentor": mentor_users[0],
        "teacher": teacher,
        "placements": placements,
        "students": students,
    }


def _server_env(port: int, var: Path, database: str) -> dict[str, str]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "XUETU_", "DATABASE_"))}
    redis_db = os.environ["XUETU_REDIS_DB"]
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.config.settings.production",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
            "XUETU_TRUSTED_PROXIES": "1",
            "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{database}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
            "XUETU_PUBLIC_URL": f"https://127.0.0.1:{port}",
            "XUETU_VAR_DIR": str(var),
            "XUETU_MEDIA_ROOT": str(var / "media"),  # nothing is uploaded here
            "XUETU_SEALING_PKCS12": str(var / "seal.p12"),  # not read by these requests
            "XUETU_SEALING_PASSPHRASE": secrets.token_urlsafe(16),
            "LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1",
            OFFSET_ENV: os.environ.get(OFFSET_ENV, "0"),
        }
    )
    return env


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """collectstatic (the production static storage needs its manifest), then docker-compose.yml's web command
    with the bind address changed to loopback and the bench's clock in each worker (loadgen/gunicorn_clock.py)."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    print(f"collectstatic for the production static storage: {time.perf_counter() - t0:.0f} s")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "backend.config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(WORKERS), "--timeout", "120", "-c", str(ROOT / "bench" / "loadgen" / "gunicorn_clock.py")],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:  # answering is enough: /healthz says 503 here, as no documents worker runs
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
            return server
        except urllib.error.HTTPError:
            return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise RuntimeError(f"gunicorn did not answer /healthz in 60 s:\n{log.read_text()[-3000:]}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def run_locust(port: int, plan: dict, work: Path) -> dict:
    plan_file, out = work / "plan.json", work / "samples.json"
    plan_file.write_text(json.dumps(plan))
    env = {**os.environ, "BENCH_CHECKIN_PLAN": str(plan_file), "BENCH_CHECKIN_OUT": str(out)}
    n = len(plan["apprentices"])
    answer = subprocess.run(
        [str(BIN / "locust"), "-f", str(ROOT / "bench" / "loadgen" / "checkin_locustfile.py"), "--headless",
         "--host", f"http://127.0.0.1:{port}", "-u", str(n), "-r", str(n), "--run-time", f"{LOCUST_TIME_LIMIT}s",
         "--stop-timeout", "10", "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=LOCUST_TIME_LIMIT + 60,
    )  # fmt: skip
    (work / "locust.log").write_text(answer.stdout + answer.stderr)
    if not out.exists():
        raise RuntimeError(f"locust wrote no samples (exit {answer.returncode}):\n{answer.stderr[-3000:]}")
    return json.loads(out.read_text())


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))] * 1000


def report_load(samples: list[dict]) -> dict[str, float]:
    """The table: per kind, bursts (throughput) and spread rounds (latency without a queue), and all together."""
    print(f"{'':<30}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    throughput: dict[str, float] = {}
    for what, label in (("clock", "(a) clock-in POST /me/clock/"), ("trivial", f"(b) trivial GET {TRIVIAL}")):
        print(label)
        for shape, rounds in (("burst", (0, 2)), ("spread", (1, 3)), ("all", (0, 1, 2, 3))):
            rows = [s for s in samples if s["what"] == what and s["round"] in rounds]
            if not rows:
                continue
            seconds = [s["seconds"] for s in rows]
            if shape == "burst":  # each burst: its requests over its first request to its last answer
                busy = sum(
                    max(s["start"] + s["seconds"] for s in rows if s["round"] == r)
                    - min(s["start"] for s in rows if s["round"] == r)
                    for r in rounds
                )
                rate = f"{len(rows) / busy:9.1f}"
                throughput[what] = len(rows) / busy
            else:
                rate = f"{'':>9}"
            errors = sum(1 for s in rows if not s["ok"])
            print(
                f"  {shape:<28}{len(rows):9d}{rate}{_pct(seconds, 50):9.1f}{_pct(seconds, 95):9.1f}"
                f"{_pct(seconds, 99):9.1f}{errors:8d}"
            )
    return throughput


def check_stored(samples: list[dict]) -> bool:
    from django.db.models import Count

    from backend.attendance.models import Punch, PunchKind, WorkPeriod

    accepted = [s for s in samples if s["what"] == "clock" and s["ok"]]
    refused = [s for s in samples if s["what"] == "clock" and not s["ok"]]
    keys = [s["key"] for s in accepted]
    stored = Punch.objects.filter(idempotency_key__in=keys).count()
    total = Punch.objects.count()
    refused_stored = Punch.objects.filter(idempotency_key__in=[s["key"] for s in refused]).count()
    duplicates = (
        Punch.objects.values("student_id", "site_id", "step").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    ins = sum(1 for s in accepted if s["kind"] == PunchKind.IN)
    periods = WorkPeriod.objects.count()
    closed = WorkPeriod.objects.filter(clock_out__isnull=False).count()
    outs = sum(1 for s in accepted if s["kind"] == PunchKind.OUT)
    once = stored == len(keys) == total and refused_stored == 0 and duplicates == 0
    once = once and periods == ins and closed == outs
    print(
        f"stored exactly once: {'yes' if once else 'NO'} (accepted {len(keys)}, punches with their keys {stored}, "
        f"punches in all {total}, refused ones stored {refused_stored}, duplicate codes {duplicates}; "
        f"periods {periods} for {ins} clock-ins, {closed} closed for {outs} clock-outs)"
    )
    if refused:
        print("  refusals:", dict(Counter(f"{s['status']} {s.get('refusal', '')}" for s in refused)))
    return once


def _timed(client, method: str, url: str, runs: int, **kw) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.generic(method, url, **kw)
        times.append(time.perf_counter() - t0)
    with CaptureQueriesContext(connection) as queries:
        answer = client.generic(method, url, **kw)
    return statistics.median(times) * 1000, len(queries), answer.status_code


def per_request(world: dict, last_step: int) -> None:
    """One clock-in and one trivial request at a time, in this process (test client): server time and the
    queries each costs, apart from the load (a loaded machine's queue does not hide the cost of the path)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from backend.accounts.models import User
    from backend.attendance import totp
    from backend.attendance.models import WorkPeriod

    # a code step the load has not used (its last round's code is this apprentice's already: a replay)
    time.sleep(max(0.0, (last_step + 1) * totp.STEP - time.time() + 0.5))
    busy = set(WorkPeriod.objects.filter(clock_out__isnull=True).values_list("student_id", flat=True))
    free = [(a, s) for a, s in zip(world["apprentices"], world["students"], strict=True) if s.pk not in busy][
        :RUNS
    ]
    users = {u.student_id: u for u in User.objects.filter(student__in=[s for _, s in free])}
    figures: dict[str, list[tuple[float, int]]] = {"clock": [], "trivial": []}
    for apprentice, student in free:
        client = Client()
        client.force_login(users[student.pk])
        client.cookies["xuetu_device"] = apprentice["device"]
        for what in ("trivial", "clock"):
            form = {
                "site": apprentice["site"], "kind": "in", "idempotency_key": secrets.token_hex(16),
                "code": totp.code_for(apprentice["secret"], totp.step_of(timezone.now())),
            }  # fmt: skip
            t0 = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                answer = client.post("/me/clock/", form) if what == "clock" else client.get(TRIVIAL)
            figures[what].append(((time.perf_counter() - t0) * 1000, len(queries)))
            assert answer.status_code in (200, 302), (what, answer.status_code)
    for what, label in (("clock", "clock-in POST /me/clock/"), ("trivial", f"trivial GET {TRIVIAL}")):
        rows = figures[what]
        print(
            f"one at a time, in process, {label:<26} median {statistics.median(r[0] for r in rows):6.1f} ms, "
            f"{statistics.median(r[1] for r in rows):.0f} queries ({len(rows)} apprentices)"
        )


def attest_all(world: dict) -> None:
    """The mentor attests the day of their 30 apprentices at once (the portal's 全部确认), on periods made here,
    apart from the load's: one closed period each, 08:00-12:00 of yesterday."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from backend.attendance.models import Punch, WorkPeriod
    from backend.core.clock import RULES_ZONE, local_today

    day = local_today() - dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(8), tzinfo=RULES_ZONE)
    end = start + dt.timedelta(hours=4)
    group = [p for p in world["placements"] if p.mentor_id == world["mentor"].mentor_id]
    site = world["apprentices"][0]["site"]
    for i, p in enumerate(group):
        punch_in = Punch.objects.create(
            placement=p, student_id=p.student_id, site_id=site, kind="in", at=start, step=-1 - 2 * i,
            idempotency_key=f"bench-in-{i}",
        )  # fmt: skip
        punch_out = Punch.objects.create(
            placement=p, student_id=p.student_id, site_id=site, kind="out", at=end, step=-2 - 2 * i,
            idempotency_key=f"bench-out-{i}",
        )  # fmt: skip
        WorkPeriod.objects.create(
            placement=p, student_id=p.student_id, site_id=site, day=day, clock_in=punch_in,
            clock_out=punch_out, status="closed",
        )  # fmt: skip
    client = Client()
    client.force_login(world["mentor"])
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        answer = client.post("/mentor/attendance/", {"action": "all", "day": day.isoformat()})
    ms = (time.perf_counter() - t0) * 1000
    done = WorkPeriod.objects.filter(placement__in=group, day=day, status="attested").count()
    print(
        f"mentor attest all, {len(group)} apprentices ({done} periods attested, HTTP {answer.status_code}): "
        f"{ms:.0f} ms, {len(queries)} queries ({len(queries) / max(done, 1):.1f} per period)"
    )


def journal_review(world: dict) -> None:
    """The teacher's review page for one ISO week, with 300 and then 3,000 weekly journals in the school
    (15 weeks each of 20, then of all 200, apprentices; the teacher supervises them all)."""
    from django.test import Client
    from django.utils import timezone

    from backend.core.clock import local_today
    from backend.journals import rhythm
    from backend.journals.models import JournalEntry, JournalKind

    monday = rhythm.week_start(local_today()) - dt.timedelta(weeks=15)
    weeks = [monday + dt.timedelta(weeks=w) for w in range(15)]
    week = rhythm.iso_week_label(weeks[7])
    client = Client()
    client.force_login(world["teacher"])
    url = f"/journals/review/?week={week}"

    def add(placements: list) -> None:
        now = timezone.now()
        JournalEntry.objects.bulk_create(
            [
                JournalEntry(
                    placement=p, student_id=p.student_id, kind=JournalKind.WEEKLY, period_start=w,
                    tasks=["操作数控车床", "量具使用"], hours=Decimal("38"), learned="本周学习了工件装夹与对刀。",
                    problems="", deadline=now, submitted_at=now,
                )
                for p in placements
                for w in weeks
            ]
        )  # fmt: skip

    add(world["placements"][:20])
    for count in (300, 3000):
        if count == 3000:
            add(world["placements"][20:])
        client.get(url)  # warm-up
        ms, queries, status = _timed(client, "GET", url, RUNS)
        shown = JournalEntry.objects.filter(period_start=weeks[7]).count()
        print(
            f"teacher journal review {url}, {JournalEntry.objects.count():>5} journals in the school "
            f"({shown} in the week): {ms:6.1f} ms, {queries:2d} queries (HTTP {status})"
        )


def morning_offset(at: str) -> float:
    """Seconds from now to ``at`` (HH:MM, Asia/Shanghai) on the next working day (Monday to Friday, not a
    statutory holiday in the migrated calendar) that has not passed yet; 0 for "now"."""
    from backend.core.clock import RULES_ZONE
    from backend.rules.selectors import calendar_between

    if at == "now":
        return 0.0
    hour, minute = (int(x) for x in at.split(":"))
    now = dt.datetime.now(RULES_ZONE)
    calendar = calendar_between(now.date(), now.date() + dt.timedelta(days=30))
    day = now.date()
    while True:
        target = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=RULES_ZONE)
        if target > now and day.weekday() < 5 and not calendar.is_statutory_holiday(day):
            return (target - now).total_seconds()
        day += dt.timedelta(days=1)


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    logging.disable(logging.INFO)  # the test client's logins (django-axes) would log each one
    at = sys.argv[sys.argv.index("--at") + 1] if "--at" in sys.argv else "08:00"
    # a stop from outside (make's timeout, Ctrl-C) still stops the server and drops the database
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with bench_database():
        from django.conf import settings
        from django.db import connection
        from django.test.utils import setup_test_environment

        from backend.core.clock import RULES_ZONE

        setup_test_environment()
        offset = morning_offset(at)
        os.environ[OFFSET_ENV] = str(offset)  # gunicorn's workers and locust shift by the same seconds
        shift(offset)
        started = time.perf_counter()
        world = build()
        database = connection.settings_dict["NAME"]
        print(
            f"checkin: {APPRENTICES} apprentices at one work site, sessions and devices bound, database "
            f"{database} ({time.perf_counter() - started:.1f} s to build)"
        )
        work = Path(tempfile.mkdtemp(prefix="xuetu-bench-checkin-"))
        var = ROOT / "var" / "bench-checkin"  # kept: collectstatic's manifest and compressed files (minutes)
        var.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        server = start_server(port, _server_env(port, var, database), work / "gunicorn.log")
        try:
            print(
                f"gunicorn backend.config.wsgi:application --workers {WORKERS} --timeout 120 on 127.0.0.1:{port} "
                f"(settings production, {os.cpu_count()} cores); locust headless, {APPRENTICES} users, "
                f"server clock {dt.datetime.now(RULES_ZONE):%Y-%m-%d %H:%M} Asia/Shanghai"
                + (
                    f" (--at {at}: shifted by {offset / 3600:+.2f} h)"
                    if offset
                    else " (--at now: not shifted)"
                )
            )
            plan = {
                "apprentices": world["apprentices"],
                "origin": f"https://127.0.0.1:{port}",
                "trivial": TRIVIAL,
            }
            result = run_locust(port, plan, work)
        finally:
            stop_server(server)
        samples = result["samples"]
        print(
            "rounds of one 30-s code step: burst = all 200 at the same moment (clock-ins, then the trivial "
            "requests once those are answered); spread = each apprentice once of each kind at a random moment "
            "in 15 s"
        )
        throughput = report_load(samples)
        clock = [s["seconds"] for s in samples if s["what"] == "clock"]
        spread = [s["seconds"] for s in samples if s["what"] == "clock" and s["round"] in (1, 3)]
        ratio = throughput.get("clock", 0) / throughput["trivial"] if throughput.get("trivial") else 0
        errors = sum(1 for s in samples if s["what"] == "clock" and not s["ok"])
        print(f"throughput clock-in / trivial (bursts): {ratio:.2f}   target >= 0.50")
        print(
            f"clock-in p95: spread {_pct(spread, 95):.0f} ms, burst and spread together {_pct(clock, 95):.0f} ms"
            f"   target < 150 ms"
        )
        print(f"clock-in errors: {errors}   target 0")
        once = check_stored(samples)
        print("   target: every accepted clock-in stored exactly once")
        per_request(world, last_step=result["t0"] // 30 + 3)
        attest_all(world)
        journal_review(world)
        import redis

        redis.Redis.from_url(settings.REDIS_URL).flushdb()  # the notices the violations queued
        shutil.rmtree(work, ignore_errors=True)
        if not once or len(clock) != 4 * APPRENTICES:
            sys.exit(1)


if __name__ == "__main__":
    main()
