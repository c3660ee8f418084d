"""Batches survive their infrastructure: a broker that is down, storage that refuses writes, a retried request,
items lost on the way. Services and the API in-process; the worker-process faults are in tests/recovery/."""

import datetime

import pytest
from django.utils import timezone

from backend.agreements.models import (
    Agreement,
    AgreementBatch,
    AgreementBatchItem,
    AgreementRevision,
    BatchItemStatus,
)
from backend.agreements.services import (
    MAX_ATTEMPTS,
    QUEUED_DEADLINE,
    RUNNING_DEADLINE,
    agreement_batch_create,
    agreement_batch_item_fail,
    agreement_batch_item_run,
    agreement_batch_rerun,
    agreement_batch_sweep,
)
from tests.conftest import purge_test_broker
from tests.factories.accounts import CoordinatorFactory
from tests.factories.agreements import complete_placement
from tests.factories.placements import PilotProjectFactory
from tests.recovery.faults import broker_down, queued_messages, unwritable_storages


def _pilot(n: int = 2):
    pilot = PilotProjectFactory()
    for i in range(n):
        complete_placement(pilot=pilot, birth=datetime.date(2007, 3, 1) + datetime.timedelta(days=i))
    return pilot, CoordinatorFactory(school=pilot.school)


@pytest.mark.django_db(transaction=True)
def test_a_batch_created_while_the_broker_is_down_answers_202_and_the_sweep_sends_it_later(
    api_client_for, settings
):
    # given a pilot with two open placements, and a broker that refuses connections
    purge_test_broker()
    pilot, coordinator = _pilot(2)
    client = api_client_for(coordinator)

    # when the coordinator creates a batch
    with broker_down(settings):
        response = client.post("/api/v1/agreement-batches/", {"pilot": pilot.pk}, format="json")

    # then the batch and its items are committed and recorded as queued; nothing reached the broker
    assert response.status_code == 202, response.content
    assert response.data["total"] == 2 and response.data["pending"] == 2 and not response.data["finished"]
    batch = AgreementBatch.objects.get(pk=response.data["id"])
    assert set(batch.items.values_list("status", flat=True)) == {BatchItemStatus.PENDING}
    assert batch.items.filter(queued_at__isnull=True).count() == 0
    assert queued_messages("documents") == 0

    # when the broker is back and the sweep runs past the queued deadline
    swept = agreement_batch_sweep(now=timezone.now() + QUEUED_DEADLINE + datetime.timedelta(minutes=1))

    # then both items are sent, once
    assert swept == 2
    assert queued_messages("documents") == 2
    purge_test_broker()


@pytest.mark.django_db(transaction=True)
def test_an_idempotency_key_returns_the_first_batch_on_retry(api_client_for):
    # given
    purge_test_broker()
    pilot, coordinator = _pilot(1)
    other_pilot = PilotProjectFactory(school=pilot.school)
    client = api_client_for(coordinator)
    headers = {"HTTP_IDEMPOTENCY_KEY": "batch-2026-12-01-a"}

    # when the same request is sent twice with one key, and the key once more for another pilot
    first = client.post("/api/v1/agreement-batches/", {"pilot": pilot.pk}, format="json", **headers)
    second = client.post("/api/v1/agreement-batches/", {"pilot": pilot.pk}, format="json", **headers)
    misuse = client.post("/api/v1/agreement-batches/", {"pilot": other_pilot.pk}, format="json", **headers)
    another_user = api_client_for(CoordinatorFactory(school=pilot.school)).post(
        "/api/v1/agreement-batches/", {"pilot": pilot.pk}, format="json", **headers
    )

    # then the retry gets the first batch back; one batch, one item, one message for that key
    assert (first.status_code, second.status_code) == (202, 202)
    assert second.data["id"] == first.data["id"]
    assert misuse.status_code == 422 and misuse.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert (
        another_user.status_code == 202 and another_user.data["id"] != first.data["id"]
    )  # keys are per user
    assert AgreementBatch.objects.filter(pilot=pilot).count() == 2
    assert AgreementBatchItem.objects.filter(batch_id=first.data["id"]).count() == 1
    purge_test_broker()


@pytest.mark.django_db
@pytest.mark.libreoffice
def test_storage_that_refuses_writes_counts_the_attempt_leaves_nothing_and_fails_visibly(
    settings, api_client_for, django_capture_on_commit_callbacks
):
    # given a batch of one item, and media storage that refuses writes
    pilot, coordinator = _pilot(1)
    batch = agreement_batch_create(actor=coordinator, pilot=pilot)
    [item] = batch.items.all()
    settings.STORAGES = unwritable_storages()

    # when the item runs
    with pytest.raises(PermissionError):
        agreement_batch_item_run(item_id=item.pk)

    # then the error reaches the task (to be retried), the attempt is counted although the work rolled back,
    # the item reads running (the sweep watches it), and no agreement or revision was written
    item.refresh_from_db()
    assert (item.status, item.attempts) == (BatchItemStatus.RUNNING, 1)
    assert Agreement.objects.filter(placement__pilot=pilot).count() == 0
    assert AgreementRevision.objects.filter(agreement__placement__pilot=pilot).count() == 0

    # when the task's last retry fails too
    agreement_batch_item_fail(item_id=item.pk, code="STORAGE_UNAVAILABLE")

    # then the item and the batch show it, in Chinese and with its code
    progress = api_client_for(coordinator).get(f"/api/v1/agreement-batches/{batch.pk}/").data
    assert (progress["failed"], progress["finished"]) == (1, True)
    assert progress["failures"][0]["code"] == "STORAGE_UNAVAILABLE"
    assert "文件存储" in progress["failures"][0]["message"]

    # when storage works again and the coordinator re-runs the batch
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    with django_capture_on_commit_callbacks(execute=False):
        agreement_batch_rerun(actor=coordinator, batch=batch)
    assert agreement_batch_item_run(item_id=item.pk) == BatchItemStatus.DONE

    # then it is made, once
    item.refresh_from_db()
    assert (item.status, item.error_code, item.attempts) == (BatchItemStatus.DONE, "", 2)
    assert AgreementRevision.objects.filter(agreement__placement__pilot=pilot).count() == 1


@pytest.mark.django_db
def test_the_sweep_resends_items_running_past_the_deadline_and_fails_those_out_of_attempts(
    django_capture_on_commit_callbacks,
):
    # given three items a dead worker held: one recently started, one long ago, one long ago on its last attempt
    pilot, coordinator = _pilot(3)
    with django_capture_on_commit_callbacks(execute=False):
        batch = agreement_batch_create(actor=coordinator, pilot=pilot)
    fresh, stale, exhausted = batch.items.order_by("id")
    now = timezone.now()
    AgreementBatchItem.objects.filter(pk=fresh.pk).update(
        status=BatchItemStatus.RUNNING,
        started_at=now - RUNNING_DEADLINE + datetime.timedelta(minutes=1),
        attempts=1,
    )
    long_ago = now - RUNNING_DEADLINE - datetime.timedelta(minutes=1)
    AgreementBatchItem.objects.filter(pk=stale.pk).update(
        status=BatchItemStatus.RUNNING, started_at=long_ago, attempts=1
    )
    AgreementBatchItem.objects.filter(pk=exhausted.pk).update(
        status=BatchItemStatus.RUNNING, started_at=long_ago, attempts=MAX_ATTEMPTS
    )

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        swept = agreement_batch_sweep(now=now)

    # then only the stale one is queued again; the exhausted one fails with its code; the fresh one is left
    assert swept == 1 and len(callbacks) == 1
    fresh.refresh_from_db(), stale.refresh_from_db(), exhausted.refresh_from_db()
    assert fresh.status == BatchItemStatus.RUNNING
    assert (stale.status, stale.queued_at, stale.attempts) == (BatchItemStatus.PENDING, now, 1)
    assert (exhausted.status, exhausted.error_code) == (BatchItemStatus.FAILED, "WORKER_LOST")


@pytest.mark.django_db
@pytest.mark.libreoffice
def test_two_runs_of_one_item_racing_make_one_revision(django_capture_on_commit_callbacks):
    # given an item whose run was re-sent while the first run was still going (both claimed it)
    pilot, coordinator = _pilot(1)
    with django_capture_on_commit_callbacks(execute=False):
        batch = agreement_batch_create(actor=coordinator, pilot=pilot)
    [item] = batch.items.all()

    # when both runs finish (the second one after the first)
    first = agreement_batch_item_run(item_id=item.pk)
    AgreementBatchItem.objects.filter(pk=item.pk).update(status=BatchItemStatus.RUNNING)  # the re-sent claim
    second = agreement_batch_item_run(item_id=item.pk)

    # then one agreement, one revision
    assert first == second == BatchItemStatus.DONE
    assert AgreementRevision.objects.filter(agreement__placement__pilot=pilot).count() == 1


@pytest.mark.django_db
def test_an_unforeseen_error_in_the_item_task_fails_the_item_visibly(django_capture_on_commit_callbacks):
    # given an item a worker claimed
    from worker.tasks.agreements import agreement_batch_item

    pilot, coordinator = _pilot(1)
    with django_capture_on_commit_callbacks(execute=False):
        batch = agreement_batch_create(actor=coordinator, pilot=pilot)
    [item] = batch.items.all()
    AgreementBatchItem.objects.filter(pk=item.pk).update(status=BatchItemStatus.RUNNING, attempts=1)

    # when the task fails with an error that is neither the application's nor the infrastructure's
    agreement_batch_item.on_failure(KeyError("context"), "task-id", (item.pk,), {}, None)

    # then the item fails with a code, and the batch is finished
    item.refresh_from_db()
    batch.refresh_from_db()
    assert (item.status, item.error_code) == (BatchItemStatus.FAILED, "UNEXPECTED_ERROR")
    assert batch.finished_at is not None
