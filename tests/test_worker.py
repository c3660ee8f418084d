import pytest

from backend.core.models import Heartbeat
from tests.conftest import wait_for
from worker.tasks.core import heartbeat


@pytest.mark.worker
def test_a_real_worker_runs_a_task_sent_through_redis(celery_worker):
    # given a worker process on the test Redis database
    # when a task is sent
    heartbeat.delay("hello-from-test")
    # then the worker process runs it and writes to the test database
    beat = wait_for(lambda: Heartbeat.objects.filter(marker="hello-from-test").first(), timeout=30)
    assert beat.hostname
    assert "core.heartbeat" in celery_worker.log


def _limits(task) -> tuple[float | None, float | None]:
    """The limits a task runs with: its own, else the global ones (as Celery fills them in from the config)."""
    from worker.celery_app import app

    hard = task.time_limit if task.time_limit is not None else app.conf.task_time_limit
    soft = task.soft_time_limit if task.soft_time_limit is not None else app.conf.task_soft_time_limit
    return hard, soft


def test_every_beat_entry_names_a_registered_task_whose_limits_celery_accepts():
    # given the beat schedule and the worker's registered tasks (including the global limits)
    from worker.beat import BEAT_SCHEDULE
    from worker.celery_app import app

    app.loader.import_default_modules()
    assert app.conf.task_soft_time_limit  # the global soft limit applies to every task without its own

    # then every entry names a registered task, and soft <= hard once the global limits are filled in
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        hard, soft = _limits(app.tasks[entry["task"]])
        assert not (hard and soft and soft > hard), f"{name}: soft {soft} > hard {hard}"


@pytest.mark.worker
def test_every_periodic_task_runs_once_on_a_real_worker(celery_worker):
    # given the beat schedule and a real worker on both queues
    from worker.beat import BEAT_SCHEDULE
    from worker.celery_app import app

    app.loader.import_default_modules()
    # when each entry is sent exactly as beat sends it (task.apply_async with the entry's args and options),
    # asking for its result so that the test waits on the result key in Redis, never on a sleep
    sent = {
        name: app.tasks[entry["task"]].apply_async(
            args=entry.get("args", ()),
            kwargs=entry.get("kwargs", {}),
            ignore_result=False,
            **entry.get("options", {}),
        )
        for name, entry in BEAT_SCHEDULE.items()
    }
    # then every one of them succeeds on the worker
    for name, result in sent.items():
        result.get(timeout=180, propagate=True)
        assert result.successful(), name
    for entry in BEAT_SCHEDULE.values():
        assert f"Task {entry['task']}[" in celery_worker.log
