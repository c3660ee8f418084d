import datetime

import pytest

from backend.placements.models import Placement, PlacementEvent, PlacementStatus
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.placements import PilotProjectFactory, PlacementFactory
from tests.factories.schools import CohortFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_coordinator_proposes_a_placement_with_stages(api_client_for):
    # given a pilot with a company, its post and mentor, and a second-year student of the pilot's program
    post = PostFactory()
    mentor = MentorFactory(company=post.company, post=post)
    pilot = PilotProjectFactory(companies=[post.company])
    student = StudentFactory(cohort=CohortFactory(program=pilot.program, entry_year=2024))
    coordinator = CoordinatorFactory(school=pilot.school)
    # when
    response = api_client_for(coordinator).post(
        "/api/v1/placements/",
        {
            "pilot": pilot.pk,
            "student": student.pk,
            "post": post.pk,
            "mentor": mentor.pk,
            "start_date": "2026-09-01",
            "end_date": "2027-01-31",
            "monthly_pay": "4200.00",
            "stages": [
                {
                    "name": "岗位认知",
                    "school_months": 4,
                    "company_start": "2026-09-01",
                    "company_end": "2026-09-30",
                },
                {
                    "name": "岗位操作",
                    "school_months": 3,
                    "company_start": "2026-12-01",
                    "company_end": "2027-01-31",
                },
            ],
        },
        format="json",
    )
    # then
    assert response.status_code == 201, response.json()
    placement = Placement.objects.get(pk=response.json()["id"])
    assert placement.status == PlacementStatus.PROPOSED
    assert [s.number for s in placement.stages.all()] == [1, 2]
    assert PlacementEvent.objects.filter(placement=placement, to_status="proposed").exists()


def test_a_student_from_another_program_is_refused_with_the_reason(api_client_for):
    # given a student outside the pilot's program
    post = PostFactory()
    pilot = PilotProjectFactory(companies=[post.company])
    other_program_student = StudentFactory(cohort=CohortFactory(program__school=pilot.school))
    coordinator = CoordinatorFactory(school=pilot.school)
    # when
    response = api_client_for(coordinator).post(
        "/api/v1/placements/",
        {
            "pilot": pilot.pk,
            "student": other_program_student.pk,
            "post": post.pk,
            "start_date": "2026-09-01",
            "end_date": "2027-01-31",
            "monthly_pay": "4200.00",
        },
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PLACEMENT_INCONSISTENT"
    assert "student" in response.json()["error"]["details"]
    assert not Placement.objects.exists()


def test_status_moves_only_along_the_allowed_transitions(api_client_for):
    # given a proposed placement
    placement = PlacementFactory()
    client = api_client_for(CoordinatorFactory(school=placement.pilot.school))
    # when it is sent straight to completed
    refused = client.post(
        f"/api/v1/placements/{placement.pk}/transition/", {"to": "completed"}, format="json"
    )
    # then it is refused and nothing changes
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "TRANSITION_NOT_ALLOWED"
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.PROPOSED
    # when it is terminated with a note, the event log records who and why
    ok = client.post(
        f"/api/v1/placements/{placement.pk}/transition/",
        {"to": "terminated", "note": "学生退出"},
        format="json",
    )
    assert ok.status_code == 200
    event = placement.events.last()
    assert (event.from_status, event.to_status, event.note) == ("proposed", "terminated", "学生退出")


def test_hr_of_another_company_gets_404_for_a_placement(api_client_for):
    # given a placement at one company and HR of another
    placement = PlacementFactory()
    outsider = HrFactory()
    # when / then
    assert api_client_for(outsider).get(f"/api/v1/placements/{placement.pk}/").status_code == 404
    own_hr = HrFactory(company=placement.post.company)
    assert api_client_for(own_hr).get(f"/api/v1/placements/{placement.pk}/").status_code == 200


def test_dates_must_be_in_order(api_client_for):
    placement = PlacementFactory()
    response = api_client_for(CoordinatorFactory(school=placement.pilot.school)).patch(
        f"/api/v1/placements/{placement.pk}/", {"end_date": "2026-08-01"}, format="json"
    )
    assert response.status_code == 400
    placement.refresh_from_db()
    assert placement.end_date == datetime.date(2027, 1, 31)
