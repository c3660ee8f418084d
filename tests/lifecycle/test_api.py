"""The lifecycle API: writes through the services with the roles they allow; another tenant's placement does not
exist for a user (a reference to it is refused as unknown, nothing written)."""

import datetime

import pytest
import time_machine

from backend.lifecycle.models import InjuryReport, Pause, Termination
from backend.notices.models import Notice
from backend.placements.models import PlacementStatus
from tests.factories.accounts import CoordinatorFactory, HrFactory, MentorUserFactory
from tests.factories.lifecycle import gate_ready_placement
from tests.factories.placements import PlacementFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 10, 20, 2, 0, tzinfo=datetime.UTC)


@time_machine.travel(NOW, tick=False)
def test_the_coordinator_pauses_and_resumes_through_the_api(api_client_for):
    # given an active placement and its school's coordinator
    placement = gate_ready_placement()
    client = api_client_for(CoordinatorFactory(school=placement.pilot.school))
    # when they pause it, then resume it today
    paused = client.post(
        "/api/v1/placement-pauses/",
        {
            "placement": placement.pk,
            "start_date": "2026-10-12",
            "end_date": "2026-10-30",
            "reason": "illness",
        },
        format="json",
    )
    assert paused.status_code == 201, paused.content
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.PAUSED
    resumed = client.post(f"/api/v1/placement-pauses/{paused.json()['id']}/resume/", {}, format="json")
    # then the pause ends yesterday and the placement is active again
    assert resumed.status_code == 200, resumed.content
    assert resumed.json()["end_date"] == "2026-10-19" and resumed.json()["resumed_on"] == "2026-10-20"
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE


@time_machine.travel(NOW, tick=False)
def test_another_schools_placement_is_unknown_to_a_coordinator_and_nothing_is_written(api_client_for):
    placement = PlacementFactory(active=True)
    client = api_client_for(CoordinatorFactory())
    for endpoint, payload in (
        ("placement-pauses", {"start_date": "2026-10-12", "end_date": "2026-10-30", "reason": "illness"}),
        ("placement-terminations", {"reason": "other", "effective_date": "2026-11-20"}),
        ("placement-completions", {}),
        (
            "injury-reports",
            {
                "occurred_at": "2026-10-19T10:00:00+08:00",
                "location": "车间",
                "description": "扭伤",
                "severity": "minor",
            },
        ),
    ):
        response = client.post(f"/api/v1/{endpoint}/", {"placement": placement.pk, **payload}, format="json")
        assert response.status_code == 400, (endpoint, response.content)
        assert response.json()["error"]["code"] == "VALIDATION"
    assert (Pause.objects.count(), Termination.objects.count(), InjuryReport.objects.count()) == (0, 0, 0)
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE


@time_machine.travel(NOW, tick=False)
def test_hrs_termination_is_a_request_and_hr_cannot_confirm_it(api_client_for):
    placement = PlacementFactory(active=True)
    hr = api_client_for(HrFactory(company=placement.post.company))
    response = hr.post(
        "/api/v1/placement-terminations/",
        {"placement": placement.pk, "reason": "company_closed", "effective_date": "2026-11-20"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "requested"
    confirm = hr.post(f"/api/v1/placement-terminations/{response.json()['id']}/confirm/", {}, format="json")
    assert confirm.status_code == 403
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE
    coordinator = api_client_for(CoordinatorFactory(school=placement.pilot.school))
    done = coordinator.post(
        f"/api/v1/placement-terminations/{response.json()['id']}/confirm/", {}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "confirmed"


@time_machine.travel(NOW, tick=False)
def test_the_mentor_reports_an_injury_and_cannot_change_the_claim(api_client_for):
    placement = PlacementFactory(active=True)
    CoordinatorFactory(school=placement.pilot.school)
    mentor = api_client_for(MentorUserFactory(mentor=placement.mentor))
    response = mentor.post(
        "/api/v1/injury-reports/",
        {
            "placement": placement.pk,
            "occurred_at": "2026-10-20T09:30:00+08:00",
            "location": "二车间",
            "description": "左手夹伤",
            "treatment": "包扎",
            "severity": "moderate",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["deadline_at"] == "2026-10-21T09:30:00+08:00" and body["overdue"] is False
    assert Notice.objects.filter(kind="lifecycle.injury").count() == 2  # the coordinator and the mentor
    claim = mentor.post(
        f"/api/v1/injury-reports/{body['id']}/claim/", {"claim_status": "filed"}, format="json"
    )
    assert claim.status_code == 403
