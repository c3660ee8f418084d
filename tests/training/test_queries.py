"""The training lists read their rows' relations up front: who is behind the rotation plan costs the same queries
for one apprentice on a rotation as for several (only a step shown as behind reads its hours), and the subsidy
pages' claims show the training evidence they were earned on without a query a row."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.subsidy.services import claim_accrue
from backend.training import services
from backend.training.selectors import behind_plan
from tests.factories.accounts import BureauFactory, CoordinatorFactory
from tests.factories.placements import PlacementFactory
from tests.factories.subsidy import passed_assessment
from tests.factories.training import approved_plan

from .conftest import Apprentice

pytestmark = pytest.mark.django_db

STARTED = datetime.date(2026, 9, 1)
ON_TIME = datetime.date(2026, 9, 20)  # the step plans 4 weeks
LATE = datetime.date(2026, 10, 15)


def on_rotation(first=None):
    """An active placement on the pilot's approved plan, on the first step of its rotation since STARTED."""
    if first is None:
        placement = PlacementFactory(active=True)
        approved_plan(placement.pilot, [placement.post])
    else:
        placement = PlacementFactory(pilot=first.pilot, post=first.post, active=True)
    services.rotation_move(placement=placement, actor=None, on=STARTED)
    return placement


def test_who_is_behind_costs_the_same_queries_for_one_apprentice_and_for_four(django_assert_num_queries):
    # given one apprentice on a rotation, on time, and the queries of the list
    first = on_rotation()
    coordinator = CoordinatorFactory(school=first.pilot.school)
    with CaptureQueriesContext(connection) as one:
        assert behind_plan(coordinator, today=ON_TIME) == []

    # when three more apprentices of the pilot are on the rotation
    for _ in range(3):
        on_rotation(first)

    # then the list costs the same queries; late, it shows all four, each step with its hours (one query a row)
    with django_assert_num_queries(len(one.captured_queries)):
        assert behind_plan(coordinator, today=ON_TIME) == []
    with django_assert_num_queries(len(one.captured_queries) + 4):
        late = behind_plan(coordinator, today=LATE)
    assert len(late) == 4 and all(len(row["steps"]) == 1 and row["steps"][0]["behind"] for row in late)


def standard_claim() -> Apprentice:
    """An apprentice who reached the training standard: the grant accrued on it (not on an assessment)."""
    a = Apprentice()
    a.reach_standard(start=STARTED)
    return a


def assessed_claim() -> None:
    placement = PlacementFactory(active=True)
    claim_accrue(placement=placement, assessment=passed_assessment(placement), actor=None)


def test_the_claims_page_shows_the_training_evidence_at_the_same_queries_for_two_claims_and_for_six(
    client, django_assert_num_queries
):
    # given a claim the standard earned and one an assessment earned, and the queries of the bureau's page
    first = standard_claim()
    assessed_claim()
    client.force_login(BureauFactory())
    with CaptureQueriesContext(connection) as two:
        client.get("/bureau/subsidy/")

    # when two more of each accrue
    more = [standard_claim() for _ in range(2)]
    assessed_claim()
    assessed_claim()

    # then the page runs the same queries, and each standard claim links its record
    with django_assert_num_queries(len(two.captured_queries)):
        page = client.get("/bureau/subsidy/").content.decode()
    assert page.count('data-testid="claim-evidence"') == 3
    for a in [first, *more]:
        assert f"/training/records/{a.placement.training.pk}/" in page
