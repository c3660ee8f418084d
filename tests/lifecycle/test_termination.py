"""Terminations and completions: the school decides; every party is told (the guardian of a minor too); open
signing is closed; the grant not yet earned is reversed through the ledger, which still reconciles."""

import datetime

import pytest

from backend.core.errors import ApplicationError
from backend.lifecycle.models import Completion, Termination, TerminationReason, TerminationStatus
from backend.lifecycle.services import (
    placement_complete,
    placement_terminate,
    termination_confirm,
    termination_request,
)
from backend.notices.models import Notice
from backend.placements.models import PlacementEvent, PlacementStatus
from backend.signing.models import EnvelopeStatus, RequestStatus, SigningLink
from backend.subsidy.ledger import account_balances
from backend.subsidy.models import Claim, ClaimStatus, JournalEntry, SubsidyTrigger
from backend.subsidy.reconciliation import reconcile
from backend.subsidy.services import claim_accrue
from tests.factories.accounts import (
    CoordinatorFactory,
    GuardianUserFactory,
    HrFactory,
    MentorUserFactory,
    StudentUserFactory,
)
from tests.factories.attendance import TeacherAssignmentFactory, TeacherFactory
from tests.factories.lifecycle import envelope_out_for_signing
from tests.factories.placements import PlacementFactory
from tests.factories.schools import GuardianFactory, birth_date_for_age
from tests.factories.subsidy import SubsidyPolicyFactory, accrued_claim, covered_placement

pytestmark = pytest.mark.django_db

ENDS = datetime.date(2026, 11, 20)


def everyone(placement, *, minor_guardian=True):
    """A user for every party of the placement, and one of another school and company (told nothing)."""
    guardian = GuardianFactory(student=placement.student)
    users = {
        "coordinator": CoordinatorFactory(school=placement.pilot.school),
        "teacher": TeacherFactory(school=placement.pilot.school),
        "hr": HrFactory(company=placement.post.company),
        "mentor": MentorUserFactory(mentor=placement.mentor),
        "student": StudentUserFactory(student=placement.student),
        "guardian": GuardianUserFactory(guardian=guardian),
        "other_school": CoordinatorFactory(),
        "other_company": HrFactory(),
    }
    TeacherAssignmentFactory(placement=placement, teacher=users["teacher"])
    return users


def told(kind: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for username in Notice.objects.filter(kind=kind).values_list("recipient__username", flat=True):
        counts[username] = counts.get(username, 0) + 1
    return counts


def test_a_termination_before_the_standard_reverses_the_accrual_and_the_ledger_reconciles():
    # given the grant accrued when the placement became active (no assessment passed yet)
    SubsidyPolicyFactory(valid_from=datetime.date(2026, 1, 1), trigger=SubsidyTrigger.PLACEMENT_ACTIVE)
    placement = covered_placement()
    claim, _ = claim_accrue(placement=placement, actor=None)
    assert claim.status == ClaimStatus.ACCRUED
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    entries = JournalEntry.objects.count()
    # when the school terminates the placement
    termination = placement_terminate(
        actor=coordinator,
        placement=placement,
        initiated_by="student",
        reason=TerminationReason.STUDENT_WITHDREW,
        effective_date=ENDS,
    )
    # then the claim is reversed with a reversing entry, nothing stays in its accounts and the books reconcile
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REVERSED
    assert JournalEntry.objects.count() == entries + 1
    assert account_balances(claim=claim) == {}
    assert reconcile()["ok"]
    assert termination.effects["claims_reversed"] == [claim.pk]
    # and the placement's history shows the termination with its reason and who asked
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.TERMINATED
    event = PlacementEvent.objects.filter(placement=placement).last()
    assert (event.from_status, event.to_status) == ("active", "terminated")
    assert "学生退学" in event.note and "学生" in event.note


def test_a_grant_earned_by_a_passed_assessment_stands_when_the_placement_is_terminated_later():
    claim = accrued_claim()
    placement = claim.placement
    placement_terminate(
        actor=CoordinatorFactory(school=placement.pilot.school),
        placement=placement,
        initiated_by="company",
        reason=TerminationReason.COMPANY_CLOSED,
        effective_date=ENDS,
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCRUED
    assert reconcile()["ok"]


def test_every_party_and_the_guardian_of_a_minor_are_told_once():
    # given a 17-year-old's active placement, and every party's account
    placement = PlacementFactory(active=True, student__birth=birth_date_for_age(17, ENDS))
    users = everyone(placement)
    # when it is terminated
    termination = placement_terminate(
        actor=users["coordinator"],
        placement=placement,
        initiated_by="school",
        reason=TerminationReason.SAFETY,
        effective_date=ENDS,
    )
    # then each party is told exactly once, the guardian included, and nobody outside
    parties = ["coordinator", "teacher", "hr", "mentor", "student", "guardian"]
    assert told("lifecycle.terminated") == {users[p].username: 1 for p in parties}
    assert termination.effects["notices"] == 6 and termination.effects["guardians_told"]


def test_the_guardian_of_an_adult_is_not_told():
    placement = PlacementFactory(active=True, student__birth=birth_date_for_age(19, ENDS))
    users = everyone(placement)
    placement_terminate(
        actor=users["coordinator"],
        placement=placement,
        initiated_by="school",
        reason=TerminationReason.MUTUAL,
        effective_date=ENDS,
    )
    assert users["guardian"].username not in told("lifecycle.terminated")
    assert users["student"].username in told("lifecycle.terminated")


def test_terminating_a_placement_out_for_signing_closes_its_signing():
    # given a placement whose agreement is out for signing, the student's link unused
    placement = PlacementFactory(signing=True)
    envelope = envelope_out_for_signing(placement)
    # when the school terminates it
    termination = placement_terminate(
        actor=CoordinatorFactory(school=placement.pilot.school),
        placement=placement,
        initiated_by="student",
        reason=TerminationReason.STUDENT_REQUEST,
        effective_date=ENDS,
    )
    # then the envelope, its open requests and its link are closed, and the placement is terminated
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.VOIDED
    assert set(envelope.requests.values_list("status", flat=True)) == {RequestStatus.VOIDED}
    assert SigningLink.objects.get(request__envelope=envelope).revoked_at is not None
    assert envelope.revision.agreement.status == "void"
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.TERMINATED
    assert termination.effects["envelopes_closed"] == 1


def test_hr_requests_and_the_school_confirms():
    # given HR of the company asks to terminate
    placement = PlacementFactory(active=True)
    users = everyone(placement)
    request = termination_request(
        actor=users["hr"], placement=placement, reason=TerminationReason.COMPANY_CLOSED, effective_date=ENDS
    )
    # then nothing has ended yet; the school's coordinator and teacher are asked
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE
    assert request.status == TerminationStatus.REQUESTED and request.initiated_by == "company"
    assert set(told("lifecycle.termination_requested")) == {
        users["coordinator"].username,
        users["teacher"].username,
    }
    # and the company cannot confirm its own request
    with pytest.raises(ApplicationError) as own:
        termination_confirm(actor=users["hr"], termination=request)
    assert own.value.status == 403
    # when the school confirms
    done = termination_confirm(actor=users["coordinator"], termination=request, note="核实属实")
    # then
    placement.refresh_from_db()
    assert done.status == TerminationStatus.CONFIRMED
    assert placement.status == PlacementStatus.TERMINATED


def test_a_terminated_placement_is_not_terminated_again_and_nothing_is_written():
    placement = PlacementFactory(status=PlacementStatus.TERMINATED)
    with pytest.raises(ApplicationError) as refused:
        placement_terminate(
            actor=CoordinatorFactory(school=placement.pilot.school),
            placement=placement,
            initiated_by="school",
            reason=TerminationReason.OTHER,
            effective_date=ENDS,
        )
    assert refused.value.code == "TRANSITION_NOT_ALLOWED"
    assert Termination.objects.count() == 0
    assert Notice.objects.count() == 0


def test_another_schools_coordinator_cannot_terminate():
    placement = PlacementFactory(active=True)
    with pytest.raises(ApplicationError) as refused:
        placement_terminate(
            actor=CoordinatorFactory(),
            placement=placement,
            initiated_by="school",
            reason=TerminationReason.OTHER,
            effective_date=ENDS,
        )
    assert refused.value.status == 403
    assert Termination.objects.count() == 0


def test_completion_records_whether_the_standard_was_reached():
    # given one apprentice who passed the assessment and one who did not
    passed = accrued_claim().placement
    not_passed = PlacementFactory(active=True)
    today = datetime.date(2027, 1, 31)
    # when both complete
    first = placement_complete(
        actor=CoordinatorFactory(school=passed.pilot.school),
        placement=passed,
        completed_on=today,
        today=today,
    )
    second = placement_complete(
        actor=CoordinatorFactory(school=not_passed.pilot.school),
        placement=not_passed,
        completed_on=today,
        today=today,
    )
    # then
    assert (first.standard_reached, second.standard_reached) == (True, False)
    assert second.reasons
    for placement, outcome in ((passed, "达到学徒培养标准"), (not_passed, "未达到学徒培养标准")):
        placement.refresh_from_db()
        assert placement.status == PlacementStatus.COMPLETED
        assert outcome in PlacementEvent.objects.filter(placement=placement).last().note
    assert Claim.objects.get(placement=passed).status == ClaimStatus.ACCRUED


def test_only_an_active_placement_completes():
    placement = PlacementFactory(signing=True)
    with pytest.raises(ApplicationError) as refused:
        placement_complete(
            actor=CoordinatorFactory(school=placement.pilot.school),
            placement=placement,
            completed_on=ENDS,
            today=ENDS,
        )
    assert refused.value.code == "TRANSITION_NOT_ALLOWED"
    assert Completion.objects.count() == 0
