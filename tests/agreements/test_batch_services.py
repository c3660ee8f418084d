"""Batch services without a worker: items run in-process, the stale-item sweep, the completion notice."""

import datetime

import pytest
from django.utils import timezone

from backend.agreements.models import AgreementBatchItem, BatchItemStatus
from backend.agreements.services import (
    agreement_batch_create,
    agreement_batch_item_run,
    agreement_batch_sweep,
)
from backend.notices.models import Notice
from backend.placements.models import Placement
from tests.factories.accounts import CoordinatorFactory
from tests.factories.agreements import complete_placement
from tests.factories.placements import PilotProjectFactory

pytestmark = [pytest.mark.django_db]


@pytest.mark.libreoffice
def test_the_coordinator_is_told_when_the_batch_is_finished_with_its_failures():
    # given: two placements, one of them under 16 on the start date
    pilot = PilotProjectFactory()
    complete_placement(pilot=pilot, birth=datetime.date(2007, 1, 1))
    complete_placement(pilot=pilot, birth=datetime.date(2011, 1, 1))
    coordinator = CoordinatorFactory(school=pilot.school)
    batch = agreement_batch_create(actor=coordinator, pilot=pilot)

    # when
    results = [agreement_batch_item_run(item_id=item.pk) for item in batch.items.order_by("id")]
    again = agreement_batch_item_run(item_id=batch.items.order_by("id").first().pk)

    # then
    assert results == [BatchItemStatus.DONE, BatchItemStatus.FAILED] and again == "skipped"
    failed = batch.items.get(status=BatchItemStatus.FAILED)
    assert failed.error_code == "AGE_MIN"
    batch.refresh_from_db()
    assert batch.finished_at is not None
    notice = Notice.objects.get(recipient=coordinator, kind="agreement_batch_finished")
    assert "成功1份" in notice.title and "失败1份" in notice.title


def test_a_batch_takes_only_open_placements_of_the_pilot():
    # given
    pilot = PilotProjectFactory()
    open_one = complete_placement(pilot=pilot)
    closed = complete_placement(pilot=pilot)
    Placement.objects.filter(pk=closed.pk).update(status="completed")
    complete_placement()  # another pilot

    # when
    batch = agreement_batch_create(actor=CoordinatorFactory(school=pilot.school), pilot=pilot)

    # then
    assert list(batch.items.values_list("placement_id", flat=True)) == [open_one.pk]


def test_the_sweep_resends_only_items_pending_for_too_long(django_capture_on_commit_callbacks):
    # given
    pilot = PilotProjectFactory()
    complete_placement(pilot=pilot)
    complete_placement(pilot=pilot)
    batch = agreement_batch_create(actor=CoordinatorFactory(school=pilot.school), pilot=pilot)
    stale, fresh = batch.items.order_by("id")
    now = timezone.now()
    AgreementBatchItem.objects.filter(pk=stale.pk).update(queued_at=now - datetime.timedelta(minutes=11))
    AgreementBatchItem.objects.filter(pk=fresh.pk).update(queued_at=now - datetime.timedelta(minutes=9))

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        swept = agreement_batch_sweep(now=now)

    # then
    assert swept == 1 and len(callbacks) == 1
    stale.refresh_from_db()
    assert stale.queued_at == now
    assert agreement_batch_sweep(now=now) == 0  # not again until it is stale again
