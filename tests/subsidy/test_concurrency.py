"""At most one grant per apprentice per pilot, guaranteed by PostgreSQL under real concurrency."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from backend.subsidy.models import Claim, JournalEntry, JournalLine
from backend.subsidy.reconciliation import reconcile
from backend.subsidy.services import claim_accrue
from tests.factories.subsidy import passed_assessment

ATTEMPTS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_accruals_for_one_apprentice_produce_exactly_one_grant():
    # given a passed assessment, committed so that other connections see it
    assessment = passed_assessment()
    placement = assessment.placement
    start = threading.Barrier(ATTEMPTS)

    def attempt(_: int) -> tuple[int, bool]:
        try:
            start.wait(timeout=60)  # all 50 threads, each on its own database connection, go at once
            claim, created = claim_accrue(placement=placement, assessment=assessment, actor=None)
            return claim.pk, created
        finally:
            connection.close()

    # when 50 threads accrue the same apprentice at the same moment
    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        results = list(pool.map(attempt, range(ATTEMPTS)))
    # then exactly one attempt created the grant, and every attempt got that same claim
    assert sum(created for _, created in results) == 1
    assert len({pk for pk, _ in results}) == 1
    assert Claim.objects.count() == 1
    assert JournalEntry.objects.count() == 1
    assert JournalLine.objects.count() == 3
    assert reconcile()["ok"]
