"""The audit on a real Celery worker against Redis and the test database."""

import datetime

import pytest

from backend.rules.models import Violation
from tests.conftest import wait_for
from tests.factories.accounts import CoordinatorFactory
from tests.factories.placements import PlacementFactory
from tests.factories.rules import ShiftFactory, at

pytestmark = pytest.mark.worker


def test_incremental_audit_runs_on_a_real_worker_and_notifies(celery_worker):
    # given committed data: an active placement with a 10-hour actual day
    p = PlacementFactory(
        active=True, start_date=datetime.date(2026, 2, 2), end_date=datetime.date(2026, 12, 31)
    )
    coordinator = CoordinatorFactory(school=p.pilot.school)
    ShiftFactory(placement=p, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "16:00"))
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "18:00")
    )
    from worker.tasks.rules import audit_day

    # when the worker audits that day, twice
    shift_rules = Violation.objects.filter(placement=p, rule_code__in=["DAILY_HOURS", "OVERTIME"])
    told = coordinator.notices.filter(kind="rules.violation", title__regex="DAILY_HOURS|OVERTIME")
    first = audit_day.delay("2026-03-02")
    wait_for(lambda: succeeded(celery_worker, first.id))
    second = audit_day.delay("2026-03-02")
    # then the second run found the same violations and created or reopened none (the worker's own report of the
    # task's result, not a guess by time) ...
    line = wait_for(lambda: succeeded(celery_worker, second.id))
    assert "'worktime': {'placements': 1, 'findings': 2, 'created': 0, 'resolved': 0, 'reopened': 0" in line
    # ... and once every notification task the runs queued has finished, the coordinator was told once each
    try:
        wait_for(lambda: all_done(celery_worker, "rules.notify_violations") and told.count() == 2)
    except AssertionError:
        print(celery_worker.log)
        raise
    assert shift_rules.count() == 2
    assert told.count() == 2
    assert shift_rules.get(rule_code="DAILY_HOURS").figures == {"limit_minutes": 480, "actual_minutes": 600}


def succeeded(worker, task_id: str) -> str:
    """The worker's log line saying the task succeeded (with its result), or ""."""
    return next((ln for ln in worker.log.splitlines() if f"[{task_id}] succeeded" in ln), "")


def all_done(worker, name: str) -> bool:
    """Every task of this name the worker received has finished (succeeded or failed), and there was one."""
    lines = worker.log.splitlines()
    received = sum(f"Task {name}[" in ln and "] received" in ln for ln in lines)
    finished = sum(f"Task {name}[" in ln and ("] succeeded" in ln or "] raised" in ln) for ln in lines)
    return received > 0 and received == finished
