"""Claim lifecycle: revocation and reversal, holds and their release, the budget cap and its queue, payment."""

import datetime
from decimal import Decimal

import pytest

from backend.assessments.services import assessment_revoke
from backend.core.errors import ApplicationError
from backend.placements.models import InsuranceKind, Placement, PlacementStatus
from backend.placements.services import placement_transition
from backend.subsidy import holds
from backend.subsidy.ledger import account_balances
from backend.subsidy.models import ClaimEvent, ClaimStatus, JournalEntry, SubsidyTrigger
from backend.subsidy.reconciliation import reconcile
from backend.subsidy.services import (
    batch_pay,
    claim_accrue,
    claim_approve,
    claim_reverse,
    claims_approve_in_order,
    pilot_budget_set,
    subsidy_sweep,
)
from tests.factories.assessments import AssessmentFactory
from tests.factories.placements import InsurancePolicyFactory, PilotProjectFactory, PlacementFactory
from tests.factories.subsidy import (
    PilotBudgetFactory,
    SubsidyPolicyFactory,
    accrued_claim,
    covered_placement,
    insure,
    seal,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 28)
FIVE = Decimal("5000.00")


def _paid_claim(bureau, reference="PAY-1"):
    claim = accrued_claim(actor=bureau)
    PilotBudgetFactory(pilot=claim.pilot, year=claim.budget_year)
    claim_approve(claim=claim, actor=bureau)
    batch_pay(claims=[claim], reference=reference, paid_on=TODAY, actor=bureau)
    claim.refresh_from_db()
    return claim


def test_revoking_an_accrued_assessment_reverses_the_grant_in_the_same_transaction(bureau):
    # given an accrued claim
    claim = accrued_claim(actor=bureau)
    # when the assessment is revoked with a reason
    assessment_revoke(assessment=claim.assessment, reason="考核材料造假", actor=bureau)
    # then the claim is reversed by a reversing entry and every account of the claim is back to zero
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REVERSED and "考核材料造假" in claim.reversal_reason
    reversal = JournalEntry.objects.get(claim=claim, kind="reversal")
    assert reversal.reverses.kind == "accrual"
    assert account_balances(claim=claim) == {}
    assert reconcile()["ok"]


def test_revoking_after_approval_reverses_approval_and_accrual_and_frees_the_budget(bureau):
    claim = accrued_claim(actor=bureau)
    PilotBudgetFactory(pilot=claim.pilot, year=claim.budget_year, amount=FIVE)
    claim_approve(claim=claim, actor=bureau)
    # when
    assessment_revoke(assessment=claim.assessment, reason="复核不合格", actor=bureau)
    # then two reversing entries, nothing left in any account
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REVERSED
    assert sorted(e.reverses.kind for e in JournalEntry.objects.filter(claim=claim, kind="reversal")) == [
        "accrual",
        "approval",
    ]
    assert account_balances(claim=claim) == {}
    # and the budget is free again for another apprentice
    other = accrued_claim(placement=covered_placement(pilot=claim.pilot), actor=bureau)
    assert claim_approve(claim=other, actor=bureau).status == ClaimStatus.APPROVED


def test_revoking_after_payment_books_a_receivable_from_the_company(bureau):
    claim = _paid_claim(bureau)
    assessment_revoke(assessment=claim.assessment, reason="违规取得", actor=bureau)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REVERSED
    assert account_balances(claim=claim) == {"receivable": FIVE, "bank": -FIVE}
    # the payment stays in the ledger: nothing is deleted
    assert JournalEntry.objects.filter(claim=claim, kind="payment").exists()
    assert reconcile()["ok"]


def test_reversing_twice_changes_nothing(bureau):
    claim = accrued_claim(actor=bureau)
    claim_reverse(claim=claim, reason="测试", actor=bureau)
    entries = JournalEntry.objects.count()
    claim_reverse(claim=claim, reason="测试", actor=bureau)
    assert JournalEntry.objects.count() == entries


def test_a_placement_terminated_before_passing_reverses_what_was_accrued_at_its_start(bureau):
    # given the policy "accrue when the placement is active" and an active placement accrued by the sweep
    SubsidyPolicyFactory(valid_from=datetime.date(2026, 1, 1), trigger=SubsidyTrigger.PLACEMENT_ACTIVE)
    placement = covered_placement()
    subsidy_sweep(as_of=TODAY)
    claim = placement.subsidy_claims.get()
    assert claim.status == ClaimStatus.ACCRUED and claim.assessment is None
    # and it cannot be approved until the apprentice passes
    assert [r["code"] for r in claim.hold_reasons] == ["NOT_ASSESSED"]
    # when the placement is terminated before any assessment passed, and the sweep runs
    placement_transition(placement=placement, to=PlacementStatus.TERMINATED, actor=bureau, note="学生退学")
    counts = subsidy_sweep(as_of=TODAY)
    # then the accrual is reversed
    claim.refresh_from_db()
    assert counts["reversed"] == 1
    assert claim.status == ClaimStatus.REVERSED
    assert account_balances(claim=claim) == {}


def test_under_the_placement_active_trigger_a_later_pass_releases_the_claim(bureau):
    SubsidyPolicyFactory(valid_from=datetime.date(2026, 1, 1), trigger=SubsidyTrigger.PLACEMENT_ACTIVE)
    placement = covered_placement()
    subsidy_sweep(as_of=TODAY)
    AssessmentFactory(placement=placement, passed=True)
    counts = subsidy_sweep(as_of=TODAY)
    claim = placement.subsidy_claims.get()
    assert counts["attached"] == 1 and counts["released"] == 1
    assert not claim.held and claim.assessment.status == "passed"


def test_no_grant_without_a_passed_assessment(bureau):
    assessment = AssessmentFactory(placement=covered_placement())  # open, not decided
    with pytest.raises(ApplicationError) as refused:
        claim_accrue(placement=assessment.placement, assessment=assessment, actor=bureau)
    assert refused.value.code == "SUBSIDY_NOT_EARNED"
    assert not JournalEntry.objects.exists()


def test_missing_insurance_holds_the_claim_with_its_gaps_and_the_sweep_releases_it(bureau):
    # given a passed placement (agreement sealed) with liability insurance, and work-injury insurance ending early
    placement = PlacementFactory(active=True)
    seal(placement)
    InsurancePolicyFactory(placement=placement, kind=InsuranceKind.LIABILITY)
    InsurancePolicyFactory(
        placement=placement,
        kind=InsuranceKind.WORK_INJURY,
        end_date=placement.end_date - datetime.timedelta(days=31),
    )
    claim = accrued_claim(placement=placement, actor=bureau)
    # then the claim is held, with the reason and the uncovered days listed
    assert claim.held
    [reason] = claim.hold_reasons
    assert reason["code"] == "INSURANCE_NOT_COVERED"
    assert reason["details"]["gaps"] == {"work_injury": [["2027-01-01", "2027-01-31"]]}
    # and approval is refused with the reasons
    PilotBudgetFactory(pilot=claim.pilot, year=claim.budget_year)
    with pytest.raises(ApplicationError) as refused:
        claim_approve(claim=claim, actor=bureau)
    assert refused.value.code == "CLAIM_HELD"
    # when the missing month is insured and the nightly sweep runs
    InsurancePolicyFactory(
        placement=placement,
        kind=InsuranceKind.WORK_INJURY,
        start_date=datetime.date(2027, 1, 1),
        end_date=placement.end_date,
    )
    counts = subsidy_sweep(as_of=TODAY)
    # then the hold is released automatically and the claim can be approved
    claim.refresh_from_db()
    assert counts["released"] == 1 and not claim.held and claim.hold_reasons == []
    assert [e.action for e in ClaimEvent.objects.filter(claim=claim)] == ["accrue", "hold", "release"]
    assert claim_approve(claim=claim, actor=bureau).status == ClaimStatus.APPROVED
    # and a second sweep changes nothing
    assert subsidy_sweep(as_of=TODAY) == dict.fromkeys(counts, 0)


def test_an_unsealed_agreement_holds_the_claim_until_it_is_sealed(bureau):
    # given an insured, passed placement whose agreement is not sealed (yet)
    placement = PlacementFactory(active=True)
    insure(placement)
    claim = accrued_claim(placement=placement, actor=bureau)
    # then
    assert [r["code"] for r in claim.hold_reasons] == ["AGREEMENT_NOT_SEALED"]
    assert claim.hold_reasons[0]["details"] == {"source": "agreement"}
    # when the agreement is sealed, the nightly sweep releases the claim
    seal(placement)
    subsidy_sweep(as_of=TODAY)
    claim.refresh_from_db()
    assert not claim.held


def test_without_a_signing_app_a_placement_that_never_became_active_counts_as_unsealed(bureau, monkeypatch):
    # given the check SubsidyConfig.ready() registers when no signing app is installed
    signing_check = holds.registered_check("AGREEMENT_NOT_SEALED")
    monkeypatch.delitem(holds.REQUIRED_HOLDS, "backend.signing")
    holds.register_hold_check("AGREEMENT_NOT_SEALED")(holds.placement_activation_check)
    try:
        placement = PlacementFactory(signing=True)
        insure(placement)
        claim = accrued_claim(placement=placement, actor=bureau)
        assert claim.hold_reasons[0]["details"] == {"source": "placement_activation"}
        Placement.objects.filter(pk=placement.pk).update(status=PlacementStatus.ACTIVE)
        subsidy_sweep(as_of=TODAY)
        claim.refresh_from_db()
        assert not claim.held
    finally:
        holds.register_hold_check("AGREEMENT_NOT_SEALED")(signing_check)


def test_hold_checks_are_pluggable_for_example_a_serious_open_violation(bureau):
    # given a stand-in for the rules app's violation register, registered as a hold check
    open_violations: set[int] = set()
    rules_check = holds.registered_check("SERIOUS_VIOLATION_OPEN")

    @holds.register_hold_check("SERIOUS_VIOLATION_OPEN")
    def violation(claim, as_of):
        if claim.placement_id in open_violations:
            return [
                holds.HoldReason(
                    "SERIOUS_VIOLATION_OPEN", "存在未处理的严重违规", "a serious violation is open"
                )
            ]
        return []

    try:
        placement = covered_placement()
        open_violations.add(placement.pk)
        claim = accrued_claim(placement=placement, actor=bureau)
        assert [r["code"] for r in claim.hold_reasons] == ["SERIOUS_VIOLATION_OPEN"]
        # when the violation is closed, the sweep releases the claim
        open_violations.clear()
        subsidy_sweep(as_of=TODAY)
        claim.refresh_from_db()
        assert not claim.held
    finally:
        holds.register_hold_check("SERIOUS_VIOLATION_OPEN")(rules_check)


def test_the_budget_caps_approvals_and_later_claims_wait_in_order(bureau):
    # given a pilot with 10000 yuan for the year and three accrued claims
    pilot = PilotProjectFactory()
    claims = [accrued_claim(placement=covered_placement(pilot=pilot), actor=bureau) for _ in range(3)]
    pilot_budget_set(pilot=pilot, year=claims[0].budget_year, amount=Decimal("10000.00"), actor=bureau)
    # when the bureau approves in order
    result = claims_approve_in_order(pilot=pilot, year=claims[0].budget_year, actor=bureau)
    # then two are approved, the third waits (not lost, still accrued)
    assert result["approved"] == [claims[0].pk, claims[1].pk]
    assert result["waiting"] == [claims[2].pk]
    claims[2].refresh_from_db()
    assert claims[2].status == ClaimStatus.ACCRUED
    # and approving it directly is refused: over budget
    with pytest.raises(ApplicationError) as refused:
        claim_approve(claim=claims[2], actor=bureau)
    assert refused.value.code == "BUDGET_EXHAUSTED"
    assert refused.value.details["remaining"] == "0.00"
    # when the budget is raised, the waiting claim is approved
    pilot_budget_set(pilot=pilot, year=claims[0].budget_year, amount=Decimal("15000.00"), actor=bureau)
    assert claims_approve_in_order(pilot=pilot, year=claims[0].budget_year, actor=bureau)["approved"] == [
        claims[2].pk
    ]
    assert reconcile()["ok"]


def test_a_later_claim_may_not_take_the_budget_an_earlier_one_waits_for(bureau):
    pilot = PilotProjectFactory()
    first, second = (accrued_claim(placement=covered_placement(pilot=pilot), actor=bureau) for _ in range(2))
    pilot_budget_set(pilot=pilot, year=first.budget_year, amount=FIVE, actor=bureau)
    with pytest.raises(ApplicationError) as refused:
        claim_approve(claim=second, actor=bureau)
    assert refused.value.code == "BUDGET_QUEUE"
    assert claim_approve(claim=first, actor=bureau).status == ClaimStatus.APPROVED


def test_without_a_budget_nothing_is_approved_and_the_budget_cannot_drop_below_approvals(bureau):
    claim = accrued_claim(actor=bureau)
    with pytest.raises(ApplicationError) as refused:
        claim_approve(claim=claim, actor=bureau)
    assert refused.value.code == "BUDGET_MISSING"
    pilot_budget_set(pilot=claim.pilot, year=claim.budget_year, amount=FIVE, actor=bureau)
    claim_approve(claim=claim, actor=bureau)
    with pytest.raises(ApplicationError) as lowered:
        pilot_budget_set(pilot=claim.pilot, year=claim.budget_year, amount=Decimal("4999.99"), actor=bureau)
    assert lowered.value.code == "BUDGET_BELOW_COMMITTED"


def test_only_the_bureau_approves(hr):
    claim = accrued_claim()
    PilotBudgetFactory(pilot=claim.pilot, year=claim.budget_year)
    with pytest.raises(ApplicationError) as refused:
        claim_approve(claim=claim, actor=hr)
    assert refused.value.status == 403


def test_payment_is_all_or_nothing_and_idempotent_by_reference(bureau):
    approved = accrued_claim(actor=bureau)
    PilotBudgetFactory(pilot=approved.pilot, year=approved.budget_year)
    claim_approve(claim=approved, actor=bureau)
    not_approved = accrued_claim(actor=bureau)
    # a batch with an unapproved claim pays nothing
    with pytest.raises(ApplicationError) as refused:
        batch_pay(claims=[approved, not_approved], reference="PAY-9", paid_on=TODAY, actor=bureau)
    assert refused.value.code == "BATCH_NOT_PAYABLE"
    assert not JournalEntry.objects.filter(kind="payment").exists()
    # the good batch pays once, even if sent twice
    batch = batch_pay(claims=[approved], reference="PAY-9", paid_on=TODAY, actor=bureau)
    again = batch_pay(claims=[approved], reference="PAY-9", paid_on=TODAY, actor=bureau)
    assert again.pk == batch.pk and batch.total == FIVE
    assert JournalEntry.objects.filter(kind="payment").count() == 1
    approved.refresh_from_db()
    assert approved.status == ClaimStatus.PAID and approved.batch.reference == "PAY-9"
    assert account_balances(claim=approved) == {"expense": FIVE, "bank": -FIVE}


def test_a_claim_held_after_approval_is_not_paid(bureau):
    # given an approved claim whose work-injury policy is then withdrawn
    claim = accrued_claim(actor=bureau)
    PilotBudgetFactory(pilot=claim.pilot, year=claim.budget_year)
    claim_approve(claim=claim, actor=bureau)
    claim.placement.insurance_policies.filter(kind=InsuranceKind.WORK_INJURY).delete()
    # when the bureau tries to pay it
    with pytest.raises(ApplicationError) as refused:
        batch_pay(claims=[claim], reference="PAY-H", paid_on=TODAY, actor=bureau)
    # then nothing is paid and the reason is given
    assert refused.value.code == "BATCH_NOT_PAYABLE"
    assert "INSURANCE_NOT_COVERED" in refused.value.details["claims"][str(claim.pk)]
    assert not JournalEntry.objects.filter(kind="payment").exists()


def test_a_placement_terminated_after_passing_keeps_its_grant(bureau):
    claim = accrued_claim(actor=bureau)
    placement_transition(
        placement=claim.placement, to=PlacementStatus.TERMINATED, actor=bureau, note="提前离岗"
    )
    subsidy_sweep(as_of=TODAY)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCRUED  # it passed before it ended: the grant was earned


def test_a_serious_open_violation_from_the_rules_app_holds_the_claim_until_resolved(bureau):
    from django.utils import timezone

    from backend.rules.models import Violation

    # given a passed, sealed, insured placement with an open NIGHT_WORK violation and an open warning
    claim_placement = covered_placement()
    now = timezone.now()
    common = {
        "placement": claim_placement,
        "period_start": TODAY,
        "period_end": TODAY,
        "first_seen": now,
        "last_seen": now,
        "policy_code": "default",
    }
    warning = Violation.objects.create(rule_code="MENTOR_RATIO", severity="warning", **common)
    violation = Violation.objects.create(rule_code="NIGHT_WORK", severity="violation", **common)
    claim = accrued_claim(placement=claim_placement, actor=bureau)
    # then only the serious one holds the claim
    assert [r["code"] for r in claim.hold_reasons] == ["SERIOUS_VIOLATION_OPEN"]
    assert claim.hold_reasons[0]["details"] == {"violations": [violation.pk]}
    # when it is resolved, the sweep releases the claim (the warning never held it)
    Violation.objects.filter(pk=violation.pk).update(status="resolved", resolved_at=now)
    subsidy_sweep(as_of=TODAY)
    claim.refresh_from_db()
    assert not claim.held
    assert Violation.objects.filter(pk=warning.pk, status="open").exists()
