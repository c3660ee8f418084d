"""The demo seed: a plan approved by the pilot's companies, apprentices at different points, one who reached the
standard with its claim and evidence; running it again changes nothing."""

import datetime

import pytest

from backend.subsidy.models import Claim
from backend.subsidy.reconciliation import reconcile
from backend.training.demo import seed_training_demo
from backend.training.models import PlanStatus, RotationAssignment, TrainingEnrolment, TrainingPlan
from backend.training.selectors import claim_evidence
from tests.factories.placements import PilotProjectFactory, PlacementFactory
from tests.factories.training import work

pytestmark = pytest.mark.django_db


def test_the_demo_seed_builds_a_plan_and_one_apprentice_reaches_the_standard():
    pilot = PilotProjectFactory()
    first = PlacementFactory(pilot=pilot, active=True)
    placements = [first] + [PlacementFactory(pilot=pilot, post=first.post, active=True) for _ in range(3)]
    for placement in placements:
        for offset in range(5):
            work(placement, datetime.date(2026, 11, 23) + datetime.timedelta(days=offset))
    now = datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)
    result = seed_training_demo(pilot=pilot, now=now)
    plan = TrainingPlan.objects.get(pilot=pilot)
    assert plan.status == PlanStatus.APPROVED
    assert result["reached"] == [placements[2].pk]
    reached = TrainingEnrolment.objects.get(placement=placements[2])
    assert reached.standard_reached_at is not None
    claim = Claim.objects.get()
    assert claim.placement == placements[2] and claim_evidence(claim)["competencies"]
    assert RotationAssignment.objects.filter(status="current").count() == 3
    assert reconcile()["ok"]
    assert seed_training_demo(pilot=pilot, now=now) == {}
    assert Claim.objects.count() == 1
