"""Faults injected into a real documents worker under a real batch (PostgreSQL, Redis, LibreOffice): each piece
of work ends done or failed with its code, nothing is duplicated, and a re-run finishes what failed."""

import datetime
import threading
from collections.abc import Iterator

import pytest
from django.db import connection

from backend.agreements.models import (
    OPEN_ITEM_STATUSES,
    Agreement,
    AgreementBatch,
    AgreementRevision,
    BatchItemStatus,
)
from backend.agreements.services import agreement_batch_create, agreement_batch_rerun
from backend.notices.models import Notice
from tests.conftest import WorkerProcess, running_worker, wait_for
from tests.factories.accounts import CoordinatorFactory
from tests.factories.agreements import complete_placement
from tests.factories.placements import PilotProjectFactory

pytestmark = [pytest.mark.worker, pytest.mark.libreoffice]

FAST_RETRIES = {"XUETU_TASK_RETRY_BACKOFF": "1", "XUETU_TASK_MAX_RETRIES": "2"}


def _documents_worker(**extra_env: str) -> WorkerProcess:
    return WorkerProcess(
        queues="documents",
        concurrency=2,
        pool="threads",
        extra_env={"XUETU_CONVERTER_POOL_SIZE": "1", **extra_env},
    )


@pytest.fixture
def unwritable_storage_worker(transactional_db) -> Iterator[WorkerProcess]:
    yield from running_worker(
        _documents_worker(
            XUETU_TEST_STORAGE_BACKEND="tests.recovery.faults.UnwritableStorage", **FAST_RETRIES
        )
    )


def _batch(n: int) -> tuple[AgreementBatch, object]:
    pilot = PilotProjectFactory()
    for i in range(n):
        complete_placement(pilot=pilot, birth=datetime.date(2007, 3, 1) + datetime.timedelta(days=i))
    coordinator = CoordinatorFactory(school=pilot.school)
    return agreement_batch_create(actor=coordinator, pilot=pilot), coordinator


def _finished(batch: AgreementBatch) -> bool:
    batch.refresh_from_db()
    return batch.finished_at is not None and not batch.items.filter(status__in=OPEN_ITEM_STATUSES).exists()


def _one_revision_each(batch: AgreementBatch) -> None:
    for item in batch.items.all():
        agreements = Agreement.objects.filter(placement_id=item.placement_id)
        assert agreements.count() == 1
        assert AgreementRevision.objects.filter(agreement__in=agreements).count() == 1


def test_storage_that_refuses_writes_is_retried_then_each_item_fails_with_its_code_and_the_rerun_finishes(
    unwritable_storage_worker,
):
    # given a documents worker whose media storage refuses every write
    batch, coordinator = _batch(2)

    # when the batch runs there
    wait_for(lambda: _finished(batch), timeout=120)

    # then each item was tried three times (two retries with backoff) and failed with STORAGE_UNAVAILABLE;
    # the coordinator is told, and nothing was written
    items = list(batch.items.all())
    assert [(i.status, i.error_code, i.attempts) for i in items] == [
        (BatchItemStatus.FAILED, "STORAGE_UNAVAILABLE", 3)
    ] * 2
    assert "Retry in" in unwritable_storage_worker.log
    assert Notice.objects.filter(recipient=coordinator, kind="agreement_batch_finished").count() == 1
    assert not Agreement.objects.filter(placement__pilot=batch.pilot).exists()

    # when storage is writable again (a normal worker) and the coordinator re-runs the batch
    unwritable_storage_worker.stop()
    healthy = _documents_worker().start()
    try:
        agreement_batch_rerun(actor=coordinator, batch=batch)
        wait_for(lambda: _finished(batch), timeout=180)
    finally:
        healthy.stop()

    # then every item is done, once
    assert set(batch.items.values_list("status", flat=True)) == {BatchItemStatus.DONE}
    _one_revision_each(batch)


def _terminate_worker_connections(stop: threading.Event) -> int:
    """Kill every PostgreSQL connection to the test database but this test's own, again and again."""
    killed = 0
    with connection.cursor() as cursor:
        while not stop.is_set():
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            killed += cursor.fetchone()[0]
            stop.wait(0.3)
    return killed


@pytest.fixture
def plain_documents_worker(transactional_db) -> Iterator[WorkerProcess]:
    yield from running_worker(_documents_worker())


def test_database_connections_killed_in_the_middle_of_a_batch_are_retried_and_nothing_is_duplicated(
    plain_documents_worker,
):
    # given a batch of six on a documents worker with its normal retries, under way
    batch, _coordinator = _batch(6)
    wait_for(lambda: batch.items.filter(status=BatchItemStatus.DONE).exists(), timeout=120, interval=0.05)

    # when the worker's database connections are terminated, again and again for three seconds
    stop = threading.Event()
    threading.Timer(3.0, stop.set).start()
    killed = _terminate_worker_connections(stop)
    connection.close()

    # then the batch still finishes: every item done, one agreement and one revision each
    wait_for(lambda: _finished(batch), timeout=240)
    assert killed >= 1
    assert set(batch.items.values_list("status", flat=True)) == {BatchItemStatus.DONE}
    _one_revision_each(batch)
