"""The lifecycle page of a placement: the coordinator pauses, resumes, terminates; HR requests a termination and
reports an injury; each role sees only its own placements' page and injuries."""

import datetime

import pytest
import time_machine
from django.test import Client

from backend.lifecycle.models import InjuryReport, Pause, TerminationStatus
from backend.placements.models import PlacementStatus
from tests.factories.accounts import CoordinatorFactory, HrFactory, MentorUserFactory
from tests.factories.lifecycle import InjuryReportFactory, gate_ready_placement
from tests.factories.placements import PlacementFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 10, 20, 2, 0, tzinfo=datetime.UTC)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@time_machine.travel(NOW, tick=False)
def test_the_coordinator_pauses_and_resumes_from_the_page():
    # given an active placement and its coordinator on its lifecycle page
    placement = gate_ready_placement()
    client = client_for(CoordinatorFactory(school=placement.pilot.school))
    page = client.get(f"/placements/{placement.pk}/lifecycle/")
    assert page.status_code == 200
    assert b'data-testid="pause-form"' in page.content
    # when they pause it, then resume it
    paused = client.post(
        f"/placements/{placement.pk}/lifecycle/pause",
        {"start_date": "2026-10-12", "end_date": "2026-10-30", "reason": "illness", "note": "住院"},
        follow=True,
    )
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.PAUSED
    assert b'data-testid="resume-form"' in paused.content
    client.post(f"/placements/{placement.pk}/lifecycle/resume", {"on": "2026-10-20"})
    # then
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE
    assert Pause.objects.get().end_date == datetime.date(2026, 10, 19)


@time_machine.travel(NOW, tick=False)
def test_hr_requests_a_termination_and_reports_an_injury_from_the_page():
    placement = PlacementFactory(active=True)
    client = client_for(HrFactory(company=placement.post.company))
    page = client.get(f"/placements/{placement.pk}/lifecycle/")
    assert b'data-testid="pause-form"' not in page.content  # the company does not pause
    client.post(
        f"/placements/{placement.pk}/lifecycle/terminate",
        {"effective_date": "2026-11-20", "reason": "company_closed", "initiated_by": "school"},
    )
    termination = placement.terminations.get()
    assert (termination.status, termination.initiated_by) == (TerminationStatus.REQUESTED, "company")
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE
    client.post(
        f"/placements/{placement.pk}/lifecycle/injury",
        {
            "occurred_at": "2026-10-20T09:30",
            "severity": "minor",
            "location": "二车间",
            "description": "划伤手指",
            "treatment": "厂医包扎",
        },
    )
    injury = InjuryReport.objects.get()
    assert injury.occurred_at == datetime.datetime(2026, 10, 20, 1, 30, tzinfo=datetime.UTC)
    listing = client.get("/injuries/")
    assert placement.student.name in listing.content.decode()


def test_another_tenants_page_and_injuries_do_not_exist():
    mine = InjuryReportFactory()
    theirs = InjuryReportFactory()
    client = client_for(HrFactory(company=mine.placement.post.company))
    assert client.get(f"/placements/{theirs.placement.pk}/lifecycle/").status_code == 404
    assert client.post(f"/injuries/{theirs.pk}/update", {"section": "authority"}).status_code == 404
    listing = client.get("/injuries/").content.decode()
    assert mine.placement.student.name in listing
    assert theirs.placement.student.name not in listing
    mentor = client_for(MentorUserFactory(mentor=mine.placement.mentor))
    page = mentor.get(f"/placements/{mine.placement.pk}/lifecycle/")
    assert page.status_code == 200
    assert b'data-testid="injury-form"' in page.content and b'name="claim_status"' not in page.content
