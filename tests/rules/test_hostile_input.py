"""Hostile or careless input to shift entry is answered 400 in the error shape (issue 13), never a 500."""

import pytest

from backend.rules.models import Shift
from tests.factories.accounts import HrFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client(api_client_for, placement):
    return api_client_for(HrFactory(company=placement.post.company))


def assert_error(response, code=None):
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["message"] and body["message_en"]
    if code:
        assert body["code"] == code
    return body


@pytest.mark.parametrize(
    ("monday", "days", "code"),
    [
        ("9999-12-27", {"1": ["08:00", "16:00"]}, "SHIFT_DATE_RANGE"),  # a Monday, at the end of time
        ("1900-01-01", {"1": ["08:00", "16:00"]}, "SHIFT_DATE_RANGE"),
        ("2026-03-02", {"x": ["08:00", "16:00"]}, "VALIDATION"),
        ("2026-03-02", {"8": ["08:00", "16:00"]}, "VALIDATION"),
        ("2026-03-02", {"-1": ["08:00", "16:00"]}, "VALIDATION"),
    ],
    ids=["year-9999", "year-1900", "day-x", "day-8", "day-minus-1"],
)
def test_a_week_grid_out_of_range_or_with_an_unknown_day_is_a_400(hr_client, placement, monday, days, code):
    response = hr_client.post(
        "/api/v1/shifts/week/", {"placement": placement.pk, "monday": monday, "days": days}, format="json"
    )
    assert_error(response, code)
    assert Shift.objects.count() == 0


def test_a_shift_at_the_end_of_time_is_a_400(hr_client, placement):
    response = hr_client.post(
        "/api/v1/shifts/",
        {
            "placement": placement.pk,
            "kind": "planned",
            "start_at": "9999-12-31T20:00:00-10:00",
            "end_at": "9999-12-31T22:00:00-10:00",
        },
        format="json",
    )
    assert_error(response)
    assert Shift.objects.count() == 0


def test_the_portal_week_of_year_9999_opens_a_sensible_week(client, placement):
    client.force_login(HrFactory(company=placement.post.company))
    assert client.get(f"/company/shifts/{placement.pk}/", {"week": "9999-12-27"}).status_code == 200
