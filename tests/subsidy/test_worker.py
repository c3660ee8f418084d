"""The nightly sweep and the monthly statements on a real Celery worker with Redis."""

import pytest

from backend.core.clock import local_date
from backend.notices.models import Notice
from backend.subsidy.models import Claim, ClaimEvent, JournalEntry
from tests.conftest import wait_for
from tests.factories.accounts import HrFactory
from tests.factories.placements import InsurancePolicyFactory, PlacementFactory
from tests.factories.subsidy import passed_assessment, seal
from worker.tasks.subsidy import monthly_statements, nightly_sweep


@pytest.mark.worker
def test_the_nightly_sweep_on_a_real_worker_accrues_once_holds_and_releases(celery_worker):
    # given two passed assessments: one insured, one missing its work-injury insurance
    insured = passed_assessment()
    uninsured_placement = PlacementFactory(active=True)
    seal(uninsured_placement)
    InsurancePolicyFactory(placement=uninsured_placement, kind="liability")
    passed_assessment(uninsured_placement)
    # when the worker runs the nightly sweep
    nightly_sweep.delay("2026-11-28")
    # then both apprentices are accrued, the uninsured one held with its reason
    wait_for(lambda: Claim.objects.count() == 2, timeout=60)
    held = Claim.objects.get(placement=uninsured_placement)
    wait_for(lambda: Claim.objects.get(pk=held.pk).held, timeout=30)
    assert Claim.objects.get(placement=insured.placement).held is False
    assert Claim.objects.get(pk=held.pk).hold_reasons[0]["code"] == "INSURANCE_NOT_COVERED"
    # when the insurance is completed and the sweep runs again (twice, as a retry would)
    InsurancePolicyFactory(placement=uninsured_placement, kind="work_injury")
    nightly_sweep.delay("2026-11-29")
    nightly_sweep.delay("2026-11-29")
    # then the hold is released, and nothing was accrued twice
    wait_for(lambda: not Claim.objects.get(pk=held.pk).held, timeout=60)
    wait_for(
        lambda: celery_worker.log.count("subsidy.nightly_sweep") >= 3 and "succeeded" in celery_worker.log
    )
    assert Claim.objects.count() == 2
    assert JournalEntry.objects.count() == 2
    assert ClaimEvent.objects.filter(claim=held, action="release").count() == 1


@pytest.mark.worker
def test_the_monthly_statement_reaches_each_company_once(celery_worker):
    assessment = passed_assessment()
    company = assessment.placement.post.company
    hr = HrFactory(company=company)
    other_hr = HrFactory()
    nightly_sweep.delay("2026-11-28")
    wait_for(lambda: Claim.objects.exists(), timeout=60)
    # when the monthly job runs (twice) for the month the claim was accrued in (the sweep accrues as of now; the
    # statement reports the figures at that month's end)
    month = local_date(Claim.objects.get().accrued_at).replace(day=1)
    monthly_statements.delay(month.isoformat())
    monthly_statements.delay(month.isoformat())
    # then the company's HR gets one statement with its figures; another company gets nothing
    notice = wait_for(
        lambda: Notice.objects.filter(recipient=hr, kind="subsidy_statement").first(), timeout=60
    )
    assert "5000.00" in notice.body and assessment.placement.mentor.name in notice.body
    assert f"{month:%Y年%m月}" in notice.title
    wait_for(lambda: celery_worker.log.count("subsidy.company_statement") >= 4, timeout=30)
    assert Notice.objects.filter(recipient=hr, kind="subsidy_statement").count() == 1
    assert not Notice.objects.filter(recipient=other_hr).exists()
