"""The training standard, not a passed assessment, earns the grant of an apprentice held to a pilot's training plan;
a pilot without a plan (or an apprentice who started before its first plan) keeps the assessment trigger. The claim
sheet carries the standard's evidence."""

import csv
import datetime
import io

import pytest

from backend.assessments.services import assessment_revoke
from backend.core.errors import ApplicationError
from backend.subsidy.exports import claims_csv
from backend.subsidy.models import Claim, ClaimStatus, JournalEntry
from backend.subsidy.reconciliation import reconcile
from backend.subsidy.services import claim_accrue, subsidy_sweep
from tests.factories.placements import PlacementFactory
from tests.factories.subsidy import covered_placement, passed_assessment
from tests.factories.training import approved_plan

from .conftest import Apprentice

pytestmark = pytest.mark.django_db
START = datetime.date(2026, 9, 1)


def _reach(a: Apprentice) -> None:
    a.reach_standard(start=START)


def test_a_passed_assessment_accrues_nothing_for_an_apprentice_held_to_a_plan(apprentice):
    # given an apprentice on a pilot's plan with a passed assessment, the standard not reached
    assessment = passed_assessment(apprentice.placement)
    # when the assessment path tries to accrue, and the nightly sweep runs
    with pytest.raises(ApplicationError) as refused:
        claim_accrue(placement=apprentice.placement, assessment=assessment, actor=None)
    counts = subsidy_sweep(as_of=datetime.date(2026, 12, 1))
    # then nothing is written
    assert refused.value.code == "SUBSIDY_NOT_EARNED" and refused.value.status == 409
    assert counts["accrued"] == 0 and counts["skipped"] == 0
    assert Claim.objects.count() == 0 and JournalEntry.objects.count() == 0


def test_a_pilot_without_a_plan_and_an_apprentice_started_before_the_first_plan_keep_the_assessment_trigger():
    # given a placement of a pilot with no plan, and one that started before its pilot's first plan applies
    plain = covered_placement()
    earlier = covered_placement(start_date=datetime.date(2025, 9, 1))
    approved_plan(earlier.pilot, [earlier.post], valid_from=datetime.date(2026, 1, 1))
    # when their assessments pass
    for placement in (plain, earlier):
        claim, created = claim_accrue(
            placement=placement, assessment=passed_assessment(placement), actor=None
        )
        # then each accrues on its assessment
        assert created and claim.assessment is not None
    assert reconcile()["ok"]


def test_a_standard_claim_takes_no_assessment_and_a_revoked_assessment_does_not_reverse_it(apprentice):
    # given an apprentice who reached the standard (claim accrued), then also passed an assessment
    a = apprentice
    _reach(a)
    claim = Claim.objects.get()
    assessment = passed_assessment(a.placement)
    # when the sweep runs, and the assessment is revoked
    subsidy_sweep(as_of=datetime.date(2026, 12, 1))
    claim.refresh_from_db()
    assert claim.assessment is None
    assessment_revoke(assessment=assessment, actor=None, reason="录入错误")
    subsidy_sweep(as_of=datetime.date(2026, 12, 2))
    # then the standard's claim stands, once, and the ledger reconciles
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCRUED and Claim.objects.count() == 1
    assert reconcile()["ok"]


def test_the_claim_sheet_shows_the_evidence_behind_a_standard_claim(apprentice):
    # given a claim the standard earned and one an assessment earned
    a = apprentice
    _reach(a)
    other = PlacementFactory(active=True)
    claim_accrue(placement=other, assessment=passed_assessment(other), actor=None)
    # when the claim sheet is exported
    rows = list(csv.reader(io.StringIO(claims_csv(Claim.objects.order_by("id")).decode("utf-8-sig"))))
    # then the standard's row names each competency with both signatories, the evaluations and the hours
    header, standard_row, assessed_row = rows
    assert header[-3:] == ["能力签认(师傅/教师, 日期)", "多方评价", "各岗位学时(完成/应完成)"]
    signed, evaluations, hours = standard_row[-3:]
    for competency in a.competencies:
        assert competency.code in signed
    assert a.placement.mentor.name in signed and a.placement.supervising_teacher in signed
    assert "企业师傅 良好" in evaluations and "8.00/8" in hours
    assert assessed_row[-3:] == ["", "", ""]
