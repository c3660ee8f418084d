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
