"""The demo seed: a plan approved by the pilot's companies, apprentices at different points, all but the last reaching
the standard with their claims (paid, approved, accrued) and evidence; running it again changes nothing."""

import datetime

import pytest

from backend.subsidy.models import Claim
from backend.subsidy.reconciliation import reconcile
from backend.training.demo import seed_training_demo
from backend.training.models import PlanStatus, RotationAssignment, TrainingEnrolment, TrainingPlan
from backend.training.selectors import claim_evidence
from tests.factories.placements import PilotProjectFactory, PlacementFactory
from tests.factories.subsidy import insure, seal
from tests.factories.training import work

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _finance(bureau):
    """The bureau user who approves and pays the demo's claims."""


def test_the_demo_seed_builds_a_plan_and_apprentices_reach_the_standard_at_different_points():
    pilot = PilotProjectFactory()
    first = PlacementFactory(pilot=pilot, active=True)
    placements = [first] + [PlacementFactory(pilot=pilot, post=first.post, active=True) for _ in range(3)]
    for placement in placements:
        insure(placement)
        seal(placement)  # nothing holds the claims: they can be approved and paid
        for offset in range(5):
            work(placement, datetime.date(2026, 11, 23) + datetime.timedelta(days=offset))
    now = datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)
    result = seed_training_demo(pilot=pilot, now=now)
    plan = TrainingPlan.objects.get(pilot=pilot)
    assert plan.status == PlanStatus.APPROVED
    assert result["reached"] == [p.pk for p in placements[:3]]
    assert result["in_rotation"] == [placements[3].pk]
    for placement in placements[:3]:
        assert TrainingEnrolment.objects.get(placement=placement).standard_reached_at is not None
    claims = list(Claim.objects.order_by("id"))
    assert [c.placement for c in claims] == placements[:3]
    assert all(claim_evidence(c)["competencies"] for c in claims)
    assert [c.status for c in claims][:2] == ["paid", "approved"]
    # the last apprentice is on the first post, the mentor's sign-off waiting for the teacher
    assert RotationAssignment.objects.filter(status="current").get().enrolment.placement == placements[3]
    assert TrainingEnrolment.objects.get(placement=placements[3]).sign_offs.get().status == "signed"
    assert reconcile()["ok"]
    assert seed_training_demo(pilot=pilot, now=now) == {}
    assert Claim.objects.count() == 3
