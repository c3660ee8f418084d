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


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_exceed_the_budget():
    # given ten accrued claims in one pilot and a budget for four of them
    from decimal import Decimal

    from backend.core.errors import ApplicationError
    from backend.subsidy.services import claim_approve, pilot_budget_set
    from tests.factories.accounts import BureauFactory
    from tests.factories.placements import PilotProjectFactory
    from tests.factories.subsidy import accrued_claim, covered_placement

    bureau = BureauFactory()
    pilot = PilotProjectFactory()
    claims = [accrued_claim(placement=covered_placement(pilot=pilot), actor=bureau) for _ in range(10)]
    pilot_budget_set(pilot=pilot, year=claims[0].budget_year, amount=Decimal("20000.00"), actor=bureau)
    start = threading.Barrier(len(claims))

    def approve(claim: Claim) -> str:
        try:
            start.wait(timeout=60)
            claim_approve(claim=claim, actor=bureau)
            return "approved"
        except ApplicationError as exc:
            return exc.code
        finally:
            connection.close()

    # when ten finance officers approve ten different claims at the same moment
    with ThreadPoolExecutor(max_workers=len(claims)) as pool:
        outcomes = list(pool.map(approve, claims))
    # then exactly four are approved (the budget row lock serialises them) and the rest wait, still accrued
    assert outcomes.count("approved") == 4, outcomes
    assert set(outcomes) <= {"approved", "BUDGET_EXHAUSTED", "BUDGET_QUEUE"}
    assert Claim.objects.filter(status="approved").count() == 4
    assert Claim.objects.filter(status="accrued").count() == 6
    assert reconcile()["ok"]


@pytest.mark.django_db(transaction=True)
def test_one_payment_reference_raced_for_different_claims_answers_its_error_code():
    # given twenty approved claims, each to be paid in its own batch under the same payment reference
    from decimal import Decimal

    from backend.core.errors import ApplicationError
    from backend.subsidy.models import DisbursementBatch
    from backend.subsidy.services import batch_pay, claim_approve, pilot_budget_set
    from tests.factories.accounts import BureauFactory
    from tests.factories.placements import PilotProjectFactory
    from tests.factories.subsidy import accrued_claim, covered_placement

    bureau = BureauFactory()
    pilot = PilotProjectFactory()
    claims = [accrued_claim(placement=covered_placement(pilot=pilot), actor=bureau) for _ in range(20)]
    pilot_budget_set(pilot=pilot, year=claims[0].budget_year, amount=Decimal("100000.00"), actor=bureau)
    claims = [claim_approve(claim=c, actor=bureau) for c in claims]
    paid_on = claims[0].accrued_at.date()
    start = threading.Barrier(len(claims) + 1)

    def pay(claim: Claim | None) -> str:
        try:
            start.wait(timeout=60)
            batch_pay(claims=[claim or claims[0]], reference="国库支付-RACE", paid_on=paid_on, actor=bureau)
            return "paid"
        except ApplicationError as exc:
            return exc.code
        finally:
            connection.close()

    # when twenty-one requests (one repeats the first claim's batch) use the reference at the same moment
    with ThreadPoolExecutor(max_workers=len(claims) + 1) as pool:
        outcomes = list(pool.map(pay, [*claims, None]))
    # then one batch exists; every other request answered BATCH_REFERENCE_USED (or, for a repeat of the batch
    # that won, its idempotent answer), never an IntegrityError
    assert set(outcomes) <= {"paid", "BATCH_REFERENCE_USED"}, outcomes
    assert DisbursementBatch.objects.count() == 1
    batch = DisbursementBatch.objects.get()
    assert Claim.objects.filter(status="paid").count() == batch.claims.count() == 1
    assert outcomes.count("paid") in (1, 2)  # the winner, and the repeat if the winner was claims[0]
    assert reconcile()["ok"]
