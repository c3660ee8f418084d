"""Validation before the database: dates and years outside sensible bounds, a null signing order in multipart."""

import datetime as dt

import pytest
import time_machine

from backend.api.validation import latest_date
from backend.matching.models import MatchRun
from backend.placements.models import PilotProject, Placement
from backend.rules.models import Holiday
from backend.schools.models import Cohort
from tests.factories.accounts import CoordinatorFactory
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.placements import PilotProjectFactory
from tests.factories.schools import CohortFactory, StudentFactory

pytestmark = pytest.mark.django_db


def error_fields(response) -> dict:
    assert response.status_code == 400, response.content[:500]
    error = response.json()["error"]
    assert error["code"] == "VALIDATION"
    return error["details"]


@pytest.fixture
def world():
    post = PostFactory()
    mentor = MentorFactory(company=post.company, post=post)
    pilot = PilotProjectFactory(companies=[post.company])
    student = StudentFactory(cohort=CohortFactory(program=pilot.program, entry_year=2024))
    return {
        "pilot": pilot,
        "post": post,
        "mentor": mentor,
        "student": student,
        "coordinator": CoordinatorFactory(school=pilot.school),
    }


def placement_body(world, **dates):
    body = {
        "pilot": world["pilot"].pk,
        "student": world["student"].pk,
        "post": world["post"].pk,
        "mentor": world["mentor"].pk,
        "start_date": "2026-09-01",
        "end_date": "2027-01-31",
        "monthly_pay": "4200.00",
    }
    body.update(dates)
    return body


def test_the_latest_sensible_date_is_ten_years_from_today():
    assert latest_date(dt.date(2026, 12, 1)) == dt.date(2036, 12, 1)
    assert latest_date(dt.date(2028, 2, 29)) == dt.date(2038, 2, 28)


@pytest.mark.parametrize(
    "dates",
    [
        {"end_date": "9999-12-31"},
        {"start_date": "1999-12-31"},
        {"start_date": "0001-01-01"},
        {"end_date": "2036-12-02"},
    ],
)
@time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), tick=False)
def test_placement_dates_out_of_bounds_are_refused_and_nothing_is_written(world, api_client_for, dates):
    # when
    response = api_client_for(world["coordinator"]).post(
        "/api/v1/placements/", placement_body(world, **dates), format="json"
    )
    # then
    assert set(error_fields(response)) == set(dates)
    assert Placement.objects.count() == 0


@time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), tick=False)
def test_placement_dates_at_the_bounds_are_accepted(world, api_client_for):
    # 2036-12-01 is ten years from today, exactly: the edge is inside, and 2000-01-01 too
    client = api_client_for(world["coordinator"])
    response = client.post("/api/v1/placements/", placement_body(world, end_date="2036-12-01"), format="json")
    # the dates pass validation; the domain's own rule answers (ten years in a company is too long)
    assert response.json()["error"]["code"] == "TOTAL_DURATION"
    response = client.post(
        "/api/v1/health-checks/",
        {"student": world["student"].pk, "hospital": "县医院", "level": "county", "date": "2000-01-01"},
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_stage_dates_out_of_bounds_are_refused(world, api_client_for):
    body = placement_body(
        world,
        stages=[
            {
                "name": "岗位认知",
                "school_months": 4,
                "company_start": "2026-09-01",
                "company_end": "9999-12-27",
            }
        ],
    )
    response = api_client_for(world["coordinator"]).post("/api/v1/placements/", body, format="json")
    assert "stages" in error_fields(response)
    assert Placement.objects.count() == 0


def test_match_run_dates_out_of_bounds_are_refused(world, api_client_for):
    response = api_client_for(world["coordinator"]).post(
        "/api/v1/match-runs/",
        {"pilot": world["pilot"].pk, "start_date": "9999-01-01", "end_date": "9999-12-31"},
        format="json",
    )
    assert set(error_fields(response)) == {"start_date", "end_date"}
    assert MatchRun.objects.count() == 0


@pytest.mark.parametrize("year", ["0", "99999999999", "1999", "2101", "abc", "-1"])
def test_holidays_of_an_impossible_year_answer_400(api_client_for, year):
    response = api_client_for(CoordinatorFactory()).get(f"/api/v1/holidays/?year={year}")
    assert set(error_fields(response)) == {"year"}


def test_holidays_of_a_year_still_filter(api_client_for):
    for day in (dt.date(2026, 10, 1), dt.date(2025, 10, 1)):
        Holiday.objects.update_or_create(date=day, defaults={"kind": "holiday", "name": "National Day"})
    response = api_client_for(CoordinatorFactory()).get("/api/v1/holidays/?year=2026&page_size=500")
    assert response.status_code == 200
    dates = [h["date"] for h in response.json()["results"]]
    assert "2026-10-01" in dates and all(d.startswith("2026-") for d in dates)


@pytest.mark.parametrize("value", ["null", "5", '{"a": 1}', "[1, 2, 3, 4]"])
def test_a_pilot_signing_order_that_is_not_a_list_of_parties_answers_400(world, api_client_for, value):
    pilot = world["pilot"]
    response = api_client_for(world["coordinator"]).patch(
        f"/api/v1/pilots/{pilot.pk}/", {"signing_order": value}, format="multipart"
    )
    assert set(error_fields(response)) == {"signing_order"}
    pilot.refresh_from_db()
    assert pilot.signing_order == []


def test_a_pilot_signing_order_of_the_four_parties_is_kept(world, api_client_for):
    pilot = world["pilot"]
    order = '["school", "company", "guardian", "student"]'
    response = api_client_for(world["coordinator"]).patch(
        f"/api/v1/pilots/{pilot.pk}/", {"signing_order": order}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    pilot.refresh_from_db()
    assert pilot.signing_order == ["school", "company", "guardian", "student"]


@pytest.mark.parametrize("year", [0, 99999, 1900])
def test_pilot_and_cohort_years_out_of_bounds_are_refused(world, api_client_for, year):
    client = api_client_for(world["coordinator"])
    pilots, cohorts = PilotProject.objects.count(), Cohort.objects.count()
    pilot = client.post(
        "/api/v1/pilots/",
        {
            "name": "试点",
            "school": world["pilot"].school_id,
            "program": world["pilot"].program_id,
            "year": year,
        },
        format="json",
    )
    cohort = client.post(
        "/api/v1/cohorts/", {"program": world["pilot"].program_id, "entry_year": year}, format="json"
    )
    assert "year" in error_fields(pilot)
    assert "entry_year" in error_fields(cohort)
    assert (PilotProject.objects.count(), Cohort.objects.count()) == (pilots, cohorts)
