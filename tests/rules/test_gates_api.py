"""Gates on propose and activate through the placement services and API; the dry run; policy versions by date."""

import datetime

import pytest

from backend.placements.models import Placement, PlacementStatus
from backend.placements.services import placement_transition
from backend.rules.selectors import placement_gates_check
from tests.factories.accounts import CoordinatorFactory
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.placements import (
    HealthCheckFactory,
    InsurancePolicyFactory,
    PilotProjectFactory,
    PlacementFactory,
)
from tests.factories.rules import PolicyVersionFactory
from tests.factories.schools import CohortFactory, StudentFactory

pytestmark = pytest.mark.django_db


def proposal(pilot, post, mentor, birth=datetime.date(2007, 5, 12), **extra):
    student = StudentFactory(cohort=CohortFactory(program=pilot.program, entry_year=2024), birth=birth)
    return {
        "pilot": pilot.pk,
        "student": student.pk,
        "post": post.pk,
        "mentor": mentor.pk,
        "start_date": "2026-09-01",
        "end_date": "2027-01-31",
        "monthly_pay": "4200.00",
        **extra,
    }


def test_sixth_apprentice_for_one_mentor_is_refused_with_figures(api_client_for):
    # given a mentor already leading 5 apprentices
    post = PostFactory(staff_on_post=200)
    mentor = MentorFactory(company=post.company, post=post, name="王师傅")
    pilot = PilotProjectFactory(companies=[post.company])
    for _ in range(5):
        PlacementFactory(pilot=pilot, post=post, mentor=mentor, active=True)
    client = api_client_for(CoordinatorFactory(school=pilot.school))
    # when a sixth is proposed
    response = client.post("/api/v1/placements/", proposal(pilot, post, mentor), format="json")
    # then refused with the rule code, both messages and the figures; nothing written
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "MENTOR_RATIO"
    assert "师傅 王师傅 已带 5 名学徒，上限为 5" in error["message"]
    assert "mentor 王师傅 already leads 5 apprentices; the limit is 5" in error["message_en"]
    assert error["details"]["errors"][0]["figures"] == {"limit_max": 5, "count": 5, "mentor": "王师傅"}
    assert error["details"]["policy"] == "CN-NATIONAL-2021"
    assert Placement.objects.filter(mentor=mentor).count() == 5


def test_fifth_apprentice_is_accepted(api_client_for):
    post = PostFactory(staff_on_post=200)
    mentor = MentorFactory(company=post.company, post=post)
    pilot = PilotProjectFactory(companies=[post.company])
    for _ in range(4):
        PlacementFactory(pilot=pilot, post=post, mentor=mentor, active=True)
    client = api_client_for(CoordinatorFactory(school=pilot.school))
    assert client.post("/api/v1/placements/", proposal(pilot, post, mentor), format="json").status_code == 201


def test_every_failing_gate_is_listed(api_client_for):
    post = PostFactory(hazard_tags=["height"], monthly_wage="6000.00")
    mentor = MentorFactory(company=post.company, post=post)
    pilot = PilotProjectFactory(companies=[post.company])
    client = api_client_for(CoordinatorFactory(school=pilot.school))
    response = client.post(
        "/api/v1/placements/",
        proposal(pilot, post, mentor, birth=datetime.date(2009, 5, 1), monthly_pay="3000.00"),
        format="json",
    )
    error = response.json()["error"]
    assert error["code"] == "GATES_FAILED"
    assert not Placement.objects.filter(post=post).exists()
    assert {e["code"] for e in error["details"]["errors"]} == {
        "MINOR_FORBIDDEN_WORK",
        "HAZARDOUS_POST",
        "PAY_FLOOR",
    }


def test_dry_run_lists_the_gates_without_changing_anything(api_client_for):
    placement = PlacementFactory(status=PlacementStatus.SIGNING)
    client = api_client_for(CoordinatorFactory(school=placement.pilot.school))
    response = client.get(f"/api/v1/gate-checks/{placement.pk}/?stage=activate")
    assert response.status_code == 200
    body = response.json()
    assert body["passed"] is False
    assert {e["code"] for e in body["errors"]} >= {"HEALTH_CHECK", "INSURANCE"}
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.SIGNING


def test_dry_run_is_scoped(api_client_for):
    placement = PlacementFactory()
    other = CoordinatorFactory()
    assert api_client_for(other).get(f"/api/v1/gate-checks/{placement.pk}/").status_code == 404


def test_activation_needs_health_check_and_insurance(db):
    # given a placement out for signing without a health check or insurance
    placement = PlacementFactory(status=PlacementStatus.SIGNING)
    # when it is activated: refused
    from backend.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as caught:
        placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)
    codes = {e["code"] for e in caught.value.details["errors"]}
    assert {"HEALTH_CHECK", "INSURANCE"} <= codes
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.SIGNING
    # when the paperwork is there, only the agreement remains (the agreements app decides that one)
    HealthCheckFactory(student=placement.student, date=datetime.date(2026, 7, 1))
    for kind in ("liability", "work_injury"):
        InsurancePolicyFactory(placement=placement, kind=kind)
    report = placement_gates_check(placement=placement, stage="activate", as_of=datetime.date(2026, 8, 1))
    assert [e.code for e in report.errors] == ["AGREEMENT_SIGNED"]


def test_policy_version_is_chosen_by_the_placement_start_date(db):
    # given a pilot whose province limits the day to 7 hours from 1 September 2026
    pilot = PilotProjectFactory()
    PolicyVersionFactory(
        code="ZJ-2026", pilot=pilot, valid_from=datetime.date(2026, 9, 1), figures={"max_daily_minutes": 420}
    )
    before = PlacementFactory(pilot=pilot, start_date=datetime.date(2026, 8, 31))
    after = PlacementFactory(pilot=pilot, start_date=datetime.date(2026, 9, 1))
    from backend.rules.selectors import policy_for_placement

    # then each placement keeps the version in force on its start date
    assert policy_for_placement(before).code == "CN-NATIONAL-2021"
    assert policy_for_placement(before).max_daily_minutes == 480
    assert policy_for_placement(after).code == "ZJ-2026"
    assert policy_for_placement(after).max_daily_minutes == 420
    assert policy_for_placement(after).max_weekly_minutes == 2400  # the rest stays national


def test_a_later_national_version_does_not_rewrite_earlier_placements(db):
    PolicyVersionFactory(
        code="CN-2027", pilot=None, valid_from=datetime.date(2027, 1, 1), figures={"max_weekly_minutes": 2160}
    )
    from backend.rules.selectors import policy_for_placement

    old = PlacementFactory(start_date=datetime.date(2026, 9, 1))
    new = PlacementFactory(start_date=datetime.date(2027, 1, 1), end_date=datetime.date(2027, 6, 30))
    assert policy_for_placement(old).max_weekly_minutes == 2400
    assert (policy_for_placement(new).code, policy_for_placement(new).max_weekly_minutes) == ("CN-2027", 2160)


def test_stricter_pilot_policy_refuses_a_shift_the_national_one_allows(api_client_for):
    from tests.factories.accounts import HrFactory
    from tests.factories.rules import at

    pilot = PilotProjectFactory()
    PolicyVersionFactory(
        code="ZJ-2026", pilot=pilot, valid_from=datetime.date(2026, 1, 1), figures={"max_daily_minutes": 420}
    )
    placement = PlacementFactory(pilot=pilot, active=True, start_date=datetime.date(2026, 3, 1))
    client = api_client_for(HrFactory(company=placement.post.company))
    response = client.post(
        "/api/v1/shifts/",
        {
            "placement": placement.pk,
            "kind": "planned",
            "start_at": at("2026-03-02", "08:00").isoformat(),
            "end_at": at("2026-03-02", "15:30").isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["details"]["policy"] == "ZJ-2026"
    assert error["details"]["problems"][0]["figures"] == {"limit_minutes": 420, "actual_minutes": 450}
