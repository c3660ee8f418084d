"""Shifts and violations of one company or school are invisible to another."""

import datetime

import pytest

from backend.rules.models import Violation
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.placements import PlacementFactory
from tests.factories.rules import ShiftFactory, at

pytestmark = pytest.mark.django_db


def make_violation(placement):
    return Violation.objects.create(
        placement=placement,
        rule_code="DAILY_HOURS",
        period_start=datetime.date(2026, 9, 7),
        period_end=datetime.date(2026, 9, 7),
        figures={"limit_minutes": 480, "actual_minutes": 600},
        first_seen=at("2026-09-08", "02:30"),
        last_seen=at("2026-09-08", "02:30"),
        policy_code="CN-NATIONAL-2021",
    )


def test_hr_sees_only_its_companys_shifts_and_violations(api_client_for):
    mine, theirs = PlacementFactory(active=True), PlacementFactory(active=True)
    my_shift, their_shift = ShiftFactory(placement=mine), ShiftFactory(placement=theirs)
    my_v, their_v = make_violation(mine), make_violation(theirs)
    client = api_client_for(HrFactory(company=mine.post.company))
    assert [s["id"] for s in client.get("/api/v1/shifts/").json()["results"]] == [my_shift.pk]
    assert client.get(f"/api/v1/shifts/{their_shift.pk}/").status_code == 404
    assert [v["id"] for v in client.get("/api/v1/violations/").json()["results"]] == [my_v.pk]
    assert client.get(f"/api/v1/violations/{their_v.pk}/").status_code == 404
    assert (
        client.post(f"/api/v1/violations/{their_v.pk}/resolve/", {"note": "x"}, format="json").status_code
        == 404
    )


def test_hr_cannot_enter_shifts_for_another_companys_placement(api_client_for):
    mine, theirs = PlacementFactory(active=True), PlacementFactory(active=True)
    client = api_client_for(HrFactory(company=mine.post.company))
    response = client.post(
        "/api/v1/shifts/",
        {
            "placement": theirs.pk,
            "kind": "planned",
            "start_at": at("2026-09-07", "08:00").isoformat(),
            "end_at": at("2026-09-07", "16:00").isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "placement" in str(response.json())
    assert not theirs.shifts.exists()


def test_coordinator_sees_only_its_schools_violations_and_resolves_them(api_client_for):
    mine, theirs = PlacementFactory(active=True), PlacementFactory(active=True)
    my_v, _ = make_violation(mine), make_violation(theirs)
    coordinator = CoordinatorFactory(school=mine.pilot.school)
    client = api_client_for(coordinator)
    listing = client.get("/api/v1/violations/").json()["results"]
    assert [v["id"] for v in listing] == [my_v.pk]
    assert listing[0]["message"] == "2026-09-07 工作 10:00 小时，每日上限为 8:00 小时"
    resolved = client.post(f"/api/v1/violations/{my_v.pk}/resolve/", {"note": "已调整排班"}, format="json")
    assert resolved.status_code == 200
    my_v.refresh_from_db()
    assert (my_v.status, my_v.resolved_by_id, my_v.note) == ("resolved", coordinator.pk, "已调整排班")
