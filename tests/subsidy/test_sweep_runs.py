"""The nightly sweep's runs: a killed sweep's day is re-run by the 5-minute catch-up, once, and never overlaps."""

import datetime
import signal
import subprocess
import sys

import pytest
from django.db import connection

from backend.core.clock import RULES_ZONE
from backend.subsidy.models import Claim, JournalEntry, SweepRun
from backend.subsidy.runs import SWEEP_LOCK, subsidy_sweep_run_due, sweep_due_day
from backend.subsidy.services import claim_accrue
from tests.conftest import wait_for
from tests.factories.subsidy import passed_assessment
from worker.beat import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 28)
AFTER_THE_SWEEP_HOUR = datetime.datetime(2026, 11, 28, 1, 40, tzinfo=RULES_ZONE)


def test_the_due_day_is_today_from_the_nightly_hour_on_and_yesterday_before():
    assert sweep_due_day(datetime.datetime(2026, 11, 28, 1, 29, tzinfo=RULES_ZONE)) == datetime.date(
        2026, 11, 27
    )
    assert sweep_due_day(datetime.datetime(2026, 11, 28, 1, 30, tzinfo=RULES_ZONE)) == DAY
    # 17:29 UTC on the 27th is already 01:29 on the 28th in Asia/Shanghai
    assert sweep_due_day(datetime.datetime(2026, 11, 27, 17, 31, tzinfo=datetime.UTC)) == DAY
    assert BEAT_SCHEDULE["subsidy-sweep-catch-up"]["task"] == "subsidy.sweep_catch_up"


def test_a_killed_sweeps_day_is_finished_by_the_catch_up_once():
    # given two passed assessments and a sweep killed after it accrued the first (started, never finished)
    first, second = passed_assessment(), passed_assessment()
    claim_accrue(placement=first.placement, assessment=first, actor=None)
    SweepRun.objects.create(day=DAY, started_at=AFTER_THE_SWEEP_HOUR, attempts=1)
    # when the catch-up runs
    result = subsidy_sweep_run_due(now=AFTER_THE_SWEEP_HOUR + datetime.timedelta(minutes=5))
    # then the day is swept: the second accrued, the first not twice
    assert (result["outcome"], result["accrued"]) == ("swept", 1)
    assert Claim.objects.filter(placement=second.placement).count() == 1
    assert Claim.objects.count() == 2 and JournalEntry.objects.count() == 2
    run = SweepRun.objects.get(day=DAY)
    assert run.finished_at is not None and run.attempts == 2 and run.counts["accrued"] == 1
    # and the next catch-up (and the acks_late redelivery of the killed task) does nothing
    assert (
        subsidy_sweep_run_due(now=AFTER_THE_SWEEP_HOUR + datetime.timedelta(minutes=10))["outcome"] == "done"
    )
    assert JournalEntry.objects.count() == 2 and SweepRun.objects.count() == 1


def test_a_running_sweep_is_not_overlapped_and_its_killed_process_frees_the_day_at_once():
    # given another process holding the sweep's lock (a sweep running on a worker)
    passed_assessment()
    db = connection.settings_dict
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import psycopg, sys, time\n"
            "c = psycopg.connect(host=sys.argv[1], port=sys.argv[2], dbname=sys.argv[3], user=sys.argv[4],"
            " password=sys.argv[5], autocommit=True)\n"
            f"c.execute('SELECT pg_advisory_lock({SWEEP_LOCK})')\n"
            "print('locked', flush=True)\n"
            "time.sleep(600)\n",
            db["HOST"] or "127.0.0.1",
            str(db["PORT"] or 5432),
            db["NAME"],
            db["USER"],
            db["PASSWORD"] or "",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        # when the catch-up runs: it leaves the running sweep alone, touching nothing
        assert subsidy_sweep_run_due(now=AFTER_THE_SWEEP_HOUR)["outcome"] == "busy"
        assert Claim.objects.count() == 0 and SweepRun.objects.count() == 0
        # when the sweeping process is SIGKILLed
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        # then the next catch-up sweeps the day (PostgreSQL drops a dead client's lock with its connection)
        result = wait_for(
            lambda: (r := subsidy_sweep_run_due(now=AFTER_THE_SWEEP_HOUR))["outcome"] != "busy" and r,
            timeout=10,
        )
        assert result["outcome"] == "swept" and Claim.objects.count() == 1
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
