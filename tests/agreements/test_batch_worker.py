"""Batches on a real Celery worker (Redis broker, PostgreSQL, LibreOffice): progress, failures, re-runs, a crash."""

import datetime
import io
import zipfile

import pytest
from django.utils import timezone

from backend.agreements.models import (
    OPEN_ITEM_STATUSES,
    Agreement,
    AgreementRevision,
    AgreementStatus,
    BatchItemStatus,
)
from backend.agreements.services import (
    RUNNING_DEADLINE,
    agreement_batch_create,
    agreement_batch_rerun,
    agreement_batch_sweep,
)
from backend.placements.models import Placement
from tests.conftest import wait_for
from tests.factories.accounts import CoordinatorFactory
from tests.factories.agreements import complete_placement
from tests.factories.companies import MentorFactory
from tests.factories.placements import PilotProjectFactory

pytestmark = [pytest.mark.worker, pytest.mark.libreoffice]


def _pilot_with_placements(n: int):
    pilot = PilotProjectFactory()
    placements = [
        complete_placement(pilot=pilot, birth=datetime.date(2007, 3, 1) + datetime.timedelta(days=i))
        for i in range(n)
    ]
    return pilot, placements


def _progress(client, batch):
    response = client.get(f"/api/v1/agreement-batches/{batch.pk}/")
    assert response.status_code == 200
    return response.data


def test_a_batch_runs_one_task_per_agreement_lists_failures_and_reruns_without_duplicates(
    celery_worker, api_client_for
):
    # given: five placements, one without a mentor
    pilot, placements = _pilot_with_placements(5)
    Placement.objects.filter(pk=placements[0].pk).update(mentor=None)
    coordinator = CoordinatorFactory(school=pilot.school)
    client = api_client_for(coordinator)

    # when
    created = client.post("/api/v1/agreement-batches/", {"pilot": pilot.pk}, format="json")
    batch_id = created.data["id"]
    batch = type(pilot).objects.get(pk=pilot.pk).agreement_batches.get(pk=batch_id)
    progress = wait_for(lambda: (p := _progress(client, batch))["finished"] and p, timeout=120)

    # then
    assert created.status_code == 202 and created.data["total"] == 5
    assert (progress["total"], progress["done"], progress["failed"]) == (5, 4, 1)
    [failure] = progress["failures"]
    assert failure["placement"] == placements[0].pk and failure["code"] == "AGREEMENT_DATA_MISSING"
    assert "企业师傅" in failure["message"]
    assert "documents.agreement_batch_item" in celery_worker.log

    # when: the missing mentor is added and the batch re-run
    Placement.objects.filter(pk=placements[0].pk).update(
        mentor=MentorFactory(company=placements[0].post.company, post=placements[0].post)
    )
    agreement_batch_rerun(actor=coordinator, batch=batch)
    progress = wait_for(lambda: (p := _progress(client, batch))["finished"] and p, timeout=120)

    # then: the four finished ones are untouched, the fifth is made
    assert (progress["done"], progress["failed"]) == (5, 0)
    assert Agreement.objects.filter(placement__pilot=pilot).count() == 5
    assert AgreementRevision.objects.filter(agreement__placement__pilot=pilot).count() == 5

    # when: a second batch for the same pilot
    again = agreement_batch_create(actor=coordinator, pilot=pilot)
    wait_for(lambda: _progress(client, again)["finished"], timeout=120)

    # then: nothing is duplicated
    assert Agreement.objects.filter(placement__pilot=pilot).count() == 5
    assert AgreementRevision.objects.filter(agreement__placement__pilot=pilot).count() == 5

    # and the ZIP holds the five PDFs
    response = client.get(f"/api/v1/agreement-batches/{batch.pk}/zip/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 5
    assert all(archive.read(name).startswith(b"%PDF-") for name in archive.namelist())


def test_a_documents_worker_killed_in_the_middle_of_a_batch_and_restarted_completes_it_without_duplicates(
    documents_worker, api_client_for
):
    # given
    pilot, placements = _pilot_with_placements(12)
    coordinator = CoordinatorFactory(school=pilot.school)
    batch = agreement_batch_create(actor=coordinator, pilot=pilot)
    done = lambda: batch.items.filter(status=BatchItemStatus.DONE).count()  # noqa: E731

    # when: the worker dies hard after the first agreements, and a new one starts
    wait_for(lambda: done() >= 2, timeout=120, interval=0.05)
    documents_worker.kill()
    done_at_kill = done()
    documents_worker.start()
    # The items the dead worker held read running (their attempts counted); the beat sweep re-sends them once
    # they pass RUNNING_DEADLINE. Run the sweep as beat would then, on a clock moved past the deadline (the
    # broker's own redelivery after its visibility timeout may come first: either path gives no duplicates).
    held = batch.items.filter(status=BatchItemStatus.RUNNING).count()
    agreement_batch_sweep(now=timezone.now() + RUNNING_DEADLINE + datetime.timedelta(minutes=1))
    wait_for(lambda: not batch.items.filter(status__in=OPEN_ITEM_STATUSES).exists(), timeout=180)

    # then
    assert done_at_kill < 12 and held >= 1
    assert done() == 12
    for placement in placements:
        agreements = Agreement.objects.filter(placement=placement)
        assert agreements.count() == 1
        assert agreements.get().status == AgreementStatus.DRAFT
        assert agreements.get().revisions.count() == 1
    assert not batch.items.filter(status=BatchItemStatus.FAILED).exists()


def test_a_documents_worker_warms_one_libreoffice_per_converter_before_its_first_task(documents_worker):
    # when a documents worker (threads pool, three threads, two converters) has started and no task was sent
    # then both of its LibreOffice are already running, and no third one
    # (the two start side by side, in either order)
    wait_for(lambda: all(f"converter {i} started" in documents_worker.log for i in (0, 1)), timeout=90)
    assert "converter 2 started" not in documents_worker.log
    assert "documents.agreement_batch_item" in documents_worker.log  # registered, but not yet run
    assert "Task documents." not in documents_worker.log
