"""Dates and years outside sensible bounds are refused in the error shape, and nothing is written."""

import pytest

from backend.subsidy.models import ClaimStatus, DisbursementBatch, JournalEntry, PilotBudget
from tests.factories.subsidy import PilotBudgetFactory, accrued_claim

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("paid_on", ["9999-12-31", "1999-12-31", "2100-01-01"])
def test_a_payment_dated_far_away_is_refused_and_nothing_is_paid(api_client_for, bureau, paid_on):
    # given an approved claim
    claim = accrued_claim(actor=bureau)
    PilotBudgetFactory(pilot=claim.pilot, year=claim.budget_year)
    client = api_client_for(bureau)
    assert client.post(f"/api/v1/subsidy-claims/{claim.pk}/approve/").status_code == 200
    entries = JournalEntry.objects.count()
    # when
    answer = client.post(
        "/api/v1/subsidy-batches/",
        {"claims": [claim.pk], "reference": "国库支付-FAR", "paid_on": paid_on},
        format="json",
    )
    # then
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "BATCH_PAID_ON"
    assert DisbursementBatch.objects.count() == 0 and JournalEntry.objects.count() == entries
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED


def test_budget_and_report_years_out_of_range_are_refused(api_client_for, bureau):
    claim = accrued_claim(actor=bureau)
    client = api_client_for(bureau)
    for year in (99999, 1999, 0):
        answer = client.post(
            "/api/v1/subsidy-budgets/", {"pilot": claim.pilot_id, "year": year, "amount": "1.00"}
        )
        assert answer.status_code == 400, (year, answer.content)
    assert PilotBudget.objects.count() == 0
    for year in ("99999999999", "0", "1999"):
        assert client.get(f"/api/v1/subsidy-reports/?year={year}").status_code == 400
        assert client.get(f"/api/v1/subsidy-reports/export-csv/?year={year}").status_code == 400
