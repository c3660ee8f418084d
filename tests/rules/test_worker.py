"""The audit on a real Celery worker against Redis and the test database."""

import ast
import datetime
import re
from typing import Any

import pytest

from backend.rules.models import Violation
from tests.conftest import WorkerProcess, wait_for
from tests.factories.accounts import CoordinatorFactory
from tests.factories.placements import PlacementFactory
from tests.factories.rules import ShiftFactory, at

pytestmark = pytest.mark.worker


def task_result(worker: WorkerProcess, task_id: str) -> dict[str, Any] | None:
    """The return value of a finished task, read from the worker's own log line
    ("Task NAME[ID] succeeded in Ns: VALUE"); None while the task has not finished. The suite runs without a
    result backend, so the worker's log is where a task reports that it is done and what it did."""
    found = re.search(rf"\[{re.escape(task_id)}\] succeeded in [0-9.]+s: (.*)$", worker.log, re.MULTILINE)
    return ast.literal_eval(found.group(1)) if found else None


def finished(worker: WorkerProcess, task_name: str) -> int:
    return len(re.findall(rf"Task {re.escape(task_name)}\[[^\]]+\] succeeded", worker.log))


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
    wait_for(lambda: shift_rules.count() == 2)
    second = audit_day.delay("2026-03-02")
    try:
        # both audits have finished (the worker says so, with what each created) ...
        runs = [wait_for(lambda r=r: task_result(celery_worker, r.id)) for r in (first, second)]
        # ... and so has every notification they enqueued: one task per audit half that created violations
        notifying = sum(1 for run in runs for half in ("worktime", "status") if run[half]["created"])
        wait_for(lambda: finished(celery_worker, "rules.notify_violations") >= notifying)
    except AssertionError:
        print(celery_worker.log)
        raise
    # then the violations exist once and the coordinator is told once per violation
    assert runs[0]["worktime"]["created"] == 2
    assert runs[1]["worktime"]["created"] == 0
    assert runs[1]["status"]["created"] == 0
    assert finished(celery_worker, "rules.notify_violations") == notifying
    assert shift_rules.count() == 2
    assert told.count() == 2
    assert shift_rules.get(rule_code="DAILY_HOURS").figures == {"limit_minutes": 480, "actual_minutes": 600}
