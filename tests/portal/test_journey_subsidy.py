"""The bureau approves and pays subsidy claims in the portal, through the subsidy services' own rules."""

from decimal import Decimal

import pytest

from backend.core.clock import local_today
from backend.subsidy.models import Claim, ClaimStatus, DisbursementBatch
from backend.subsidy.services import pilot_budget_set
from tests.factories.accounts import BureauFactory, CoordinatorFactory
from tests.factories.subsidy import SubsidyPolicyFactory, accrued_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def bureau():
    return BureauFactory()


@pytest.fixture
def claim(bureau):
    SubsidyPolicyFactory()
    return accrued_claim()


def _budget(claim, bureau, amount="100000"):
    pilot_budget_set(pilot=claim.pilot, year=claim.budget_year, amount=Decimal(amount), actor=bureau)


def test_bureau_approves_a_claim_within_the_budget_then_pays_it_under_a_reference(client, bureau, claim):
    _budget(claim, bureau)
    client.force_login(bureau)
    page = client.get("/bureau/subsidy/")
    assert page.status_code == 200 and f"/bureau/subsidy/{claim.pk}/approve" in page.content.decode()
    response = client.post(f"/bureau/subsidy/{claim.pk}/approve", follow=True)
    assert "已审批" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.approved_by == bureau
    assert [c.pk for c in response.context["payable"]] == [claim.pk]
    paid_on = local_today()
    response = client.post(
        "/bureau/subsidy/pay",
        {"claims": [claim.pk], "reference": "CZ-2026-001", "paid_on": paid_on.isoformat()},
        follow=True,
    )
    assert "CZ-2026-001" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and claim.batch.reference == "CZ-2026-001"
    assert claim.batch.total == claim.amount == Decimal("5000.00")


def test_without_a_budget_the_approval_is_refused_with_the_reason_and_nothing_changes(client, bureau, claim):
    client.force_login(bureau)
    response = client.post(f"/bureau/subsidy/{claim.pk}/approve", follow=True)
    assert "没有补助预算" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCRUED


def test_paying_an_unapproved_claim_or_a_used_reference_pays_nothing(client, bureau, claim):
    client.force_login(bureau)
    data = {"claims": [claim.pk], "reference": "CZ-1", "paid_on": local_today().isoformat()}
    response = client.post("/bureau/subsidy/pay", data, follow=True)
    assert "整批未拨付" in response.content.decode()
    assert not DisbursementBatch.objects.exists()
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.ACCRUED
    response = client.post("/bureau/subsidy/pay", {**data, "reference": ""}, follow=True)
    assert not DisbursementBatch.objects.exists()


def test_only_the_bureau_approves_or_pays(client, claim):
    client.force_login(CoordinatorFactory(school=claim.pilot.school))
    assert client.get("/bureau/subsidy/").status_code in (403, 404)
    assert client.post(f"/bureau/subsidy/{claim.pk}/approve").status_code in (403, 404)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.ACCRUED


def test_a_held_claim_shows_why_and_is_approved_once_its_reason_is_gone(client, bureau, claim):
    """Issue 12: a claim held by a violation the school resolves later stayed without an approval button until the
    nightly sweep; the page now says why it is held and offers to check again and approve."""
    from backend.rules.models import ViolationStatus
    from backend.subsidy.models import ClaimEvent
    from backend.subsidy.services import claim_holds_evaluate
    from tests.factories.rules import ViolationFactory

    # given a claim held by an open violation of its placement, and a budget that covers it
    _budget(claim, bureau)
    violation = ViolationFactory(placement=claim.placement)
    claim = claim_holds_evaluate(claim=claim, actor=None, as_of=local_today())
    assert claim.held
    client.force_login(bureau)
    # when the bureau opens the page
    page = client.get("/bureau/subsidy/").content.decode()
    # then the reason is on the page, with the button that checks again
    assert 'data-testid="hold-reasons"' in page and "存在未处理的严重违规" in page
    assert f"/bureau/subsidy/{claim.pk}/approve" in page and "重新检查并审批" in page
    # when it approves while the violation is still open: refused with the reason, nothing written
    events = ClaimEvent.objects.count()
    response = client.post(f"/bureau/subsidy/{claim.pk}/approve", follow=True)
    assert "存在未处理的严重违规" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.ACCRUED
    assert ClaimEvent.objects.count() == events
    # when the school has resolved it and the bureau approves again
    type(violation).objects.filter(pk=violation.pk).update(status=ViolationStatus.RESOLVED)
    client.post(f"/bureau/subsidy/{claim.pk}/approve", follow=True)
    # then the claim is released and approved
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and not claim.held


def test_the_school_sees_why_its_claim_is_held_in_english_too(client, claim):
    from backend.subsidy.services import claim_holds_evaluate
    from tests.factories.rules import ViolationFactory

    ViolationFactory(placement=claim.placement)
    claim_holds_evaluate(claim=claim, actor=None, as_of=local_today())
    client.force_login(CoordinatorFactory(school=claim.pilot.school))
    client.cookies["django_language"] = "en"
    page = client.get("/school/subsidy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "a serious violation is open on the placement" in page
    assert "claim-approve" not in page  # the school never approves
