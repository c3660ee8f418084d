"""Rows of issue 18's table with real processes: documents workers SIGKILLed again and again in the middle of a
batch, and the broker (a dedicated Redis without persistence) restarted empty in the middle of one. The sweep is
called as beat would call it, on a clock moved past its deadline; then every item is done, nothing is duplicated,
no file is left without a row and no LibreOffice folder of a dead worker is left behind."""

import datetime
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from backend.agreements.models import OPEN_ITEM_STATUSES, AgreementBatch, AgreementRevision, BatchItemStatus
from backend.agreements.services import (
    AGREEMENT_FILE_ROOT,
    ORPHAN_FILE_GRACE,
    QUEUED_DEADLINE,
    RUNNING_DEADLINE,
    agreement_batch_create,
    agreement_batch_sweep,
    agreement_files_sweep,
)
from backend.core.queue import producer
from contracts.convert import PROFILE_PREFIX
from tests.conftest import WorkerProcess, purge_test_broker, wait_for
from tests.factories.accounts import CoordinatorFactory
from tests.factories.agreements import complete_placement
from tests.factories.placements import PilotProjectFactory
from tests.recovery.test_batch_faults import _one_revision_each

pytestmark = [pytest.mark.worker, pytest.mark.libreoffice]


def _documents_worker(**env: str) -> WorkerProcess:
    return WorkerProcess(
        queues="documents",
        concurrency=3,
        pool="threads",
        extra_env={"XUETU_CONVERTER_WARM": "1", "XUETU_CONVERTER_POOL_SIZE": "2", **env},
    )


def _batch(n: int) -> AgreementBatch:
    pilot = PilotProjectFactory()
    for i in range(n):
        complete_placement(pilot=pilot, birth=datetime.date(2007, 3, 1) + datetime.timedelta(days=i))
    return agreement_batch_create(actor=CoordinatorFactory(school=pilot.school), pilot=pilot)


def _done(batch: AgreementBatch) -> int:
    return batch.items.filter(status=BatchItemStatus.DONE).count()


def _sweep_until_finished(batch: AgreementBatch, timeout: float = 240) -> None:
    later = timezone.now() + max(QUEUED_DEADLINE, RUNNING_DEADLINE) + datetime.timedelta(minutes=1)
    agreement_batch_sweep(now=later)
    wait_for(lambda: not batch.items.filter(status__in=OPEN_ITEM_STATUSES).exists(), timeout=timeout)


def _profile_folders(pid: int) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"{PROFILE_PREFIX}pid{pid}-*"))


def _no_file_without_a_row() -> None:
    agreement_files_sweep(now=timezone.now() + ORPHAN_FILE_GRACE + datetime.timedelta(minutes=1))
    referenced = set()
    for docx, pdf in AgreementRevision.objects.values_list("docx", "pdf"):
        referenced.update((docx, pdf))
    for folder in ("docx", "pdf"):
        _dirs, files = default_storage.listdir(f"{AGREEMENT_FILE_ROOT}/{folder}")
        assert {f"{AGREEMENT_FILE_ROOT}/{folder}/{name}" for name in files} <= referenced


def test_five_sigkills_in_a_row_leave_every_item_done_once_no_orphan_file_and_no_dead_profile(
    transactional_db,
):
    # given a batch of 15 on documents workers
    purge_test_broker()
    batch = _batch(15)
    dead_pids: list[int] = []

    # when five workers in a row are SIGKILLed, each once it has made progress
    for _ in range(5):
        worker = _documents_worker().start()
        before = _done(batch)
        wait_for(lambda b=before: _done(batch) > b or _done(batch) == 15, timeout=120, interval=0.05)
        assert worker.process is not None
        dead_pids.append(worker.process.pid)
        worker.kill()
    assert any(_profile_folders(pid) for pid in dead_pids)  # what a killed worker leaves behind

    # and a last worker starts, with the sweep run as beat would run it
    last = _documents_worker().start()
    try:
        _sweep_until_finished(batch)
    finally:
        last.stop()
        purge_test_broker()

    # then every item is done, one agreement and one revision each, no dead worker's folder, no orphan file
    assert set(batch.items.values_list("status", flat=True)) == {BatchItemStatus.DONE}
    _one_revision_each(batch)
    assert [pid for pid in dead_pids if _profile_folders(pid)] == []
    _no_file_without_a_row()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A dedicated Redis without persistence (as the table's fault had it), stopped and started by the test."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(
            lambda: (
                subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout
                == b"PONG\n"
            ),
            timeout=20,
        )
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
            self.process.wait(10)


@pytest.fixture
def own_redis(settings):
    server = RedisServer().start()
    settings.CELERY_BROKER_URL = server.url
    producer.cache_clear()
    yield server
    server.stop()
    producer.cache_clear()


def test_a_broker_restarted_empty_in_the_middle_of_a_batch_loses_nothing(transactional_db, own_redis):
    # given a documents worker on a dedicated Redis, and a batch under way
    worker = _documents_worker(XUETU_TEST_REDIS_URL=own_redis.url).start()
    try:
        batch = _batch(10)
        wait_for(lambda: _done(batch) >= 2, timeout=120, interval=0.05)

        # when Redis stops (no persistence: every queued message is gone), the worker notices while it is down,
        # and Redis starts again, empty
        own_redis.stop()
        wait_for(lambda: "Connection to broker lost" in "".join(worker.output), timeout=60)
        own_redis.start()

        # then once the sweep has run as beat would, every item is done, once
        _sweep_until_finished(batch)
    except AssertionError:
        print("worker output:\n" + "".join(worker.output))
        raise
    finally:
        worker.stop()
    assert set(batch.items.values_list("status", flat=True)) == {BatchItemStatus.DONE}
    _one_revision_each(batch)
