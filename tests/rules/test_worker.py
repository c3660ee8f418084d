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
    audit_day.delay("2026-03-02")
    wait_for(lambda: shift_rules.count() == 2)
    audit_day.delay("2026-03-02")
    # then the violations exist once and the coordinator is told once per violation
    try:
        wait_for(lambda: told.count() == 2)
    except AssertionError:
        print(celery_worker.log)
        raise
    import time

    time.sleep(2)
    assert shift_rules.count() == 2
    assert told.count() == 2
    assert shift_rules.get(rule_code="DAILY_HOURS").figures == {"limit_minutes": 480, "actual_minutes": 600}
