"""HR copies a week's plan to the next weeks and plans one week for many apprentices at once; every shift still
goes through the rules (backend.rules.services.shifts.shifts_enter), refusals are listed per shift."""

import datetime

import pytest

from backend.rules.models import Shift, ShiftKind
from backend.rules.services.shifts import shifts_enter, week_grid_spans
from tests.factories.accounts import HrFactory
from tests.factories.placements import PlacementFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 2)  # and the two weeks after it: no public holiday
NINE_TO_FIVE = (datetime.time(9), datetime.time(17))
SH = datetime.timezone(datetime.timedelta(hours=8))


def _plan(placement, days):
    shifts_enter(
        actor=None,
        placement=placement,
        kind=ShiftKind.PLANNED,
        spans=week_grid_spans(monday=MONDAY, days=days),
    )


def test_copying_a_week_stores_the_same_shifts_in_each_following_week(client):
    placement = PlacementFactory(active=True)
    _plan(placement, {d: NINE_TO_FIVE for d in range(1, 6)})
    client.force_login(HrFactory(company=placement.post.company))
    response = client.post(f"/company/shifts/{placement.pk}/copy", {"week": MONDAY.isoformat(), "weeks": "2"})
    assert response.status_code == 200 and response.context["copied"] == 10
    assert Shift.objects.filter(placement=placement, kind=ShiftKind.PLANNED).count() == 15
    later = client.get(
        f"/company/shifts/{placement.pk}/?week={(MONDAY + datetime.timedelta(weeks=2)).isoformat()}"
    )
    assert [len(d["planned"]) for d in later.context["days"]] == [1, 1, 1, 1, 1, 0, 0]
    assert later.context["days"][0]["planned"][0].start_at.astimezone(SH).hour == 9


def test_a_copied_shift_that_breaks_a_rule_is_refused_and_listed_the_others_are_stored(client):
    placement = PlacementFactory(active=True)
    _plan(placement, {d: NINE_TO_FIVE for d in range(1, 6)})
    # next Wednesday already has a morning shift, so the copied Wednesday would make a 10-hour day
    wednesday = MONDAY + datetime.timedelta(weeks=1, days=2)
    shifts_enter(
        actor=None,
        placement=placement,
        kind=ShiftKind.PLANNED,
        spans=week_grid_spans(
            monday=wednesday - datetime.timedelta(days=2), days={3: (datetime.time(6), datetime.time(8))}
        ),
    )
    client.force_login(HrFactory(company=placement.post.company))
    response = client.post(f"/company/shifts/{placement.pk}/copy", {"week": MONDAY.isoformat(), "weeks": "1"})
    assert response.status_code == 200
    assert response.context["copied"] == 4
    refused = response.context["copy_refused"]
    assert [p["code"] for p in refused] == ["DAILY_HOURS"]
    assert refused[0]["shift"].startswith(wednesday.isoformat())
    assert f"{wednesday.isoformat()} 09:00" in response.content.decode()
    assert Shift.objects.filter(placement=placement, kind=ShiftKind.PLANNED).count() == 5 + 1 + 4


def test_copying_an_empty_week_or_another_companys_week_stores_nothing(client):
    placement = PlacementFactory(active=True)
    client.force_login(HrFactory(company=placement.post.company))
    assert (
        client.post(f"/company/shifts/{placement.pk}/copy", {"week": MONDAY.isoformat()}).status_code == 400
    )
    _plan(placement, {1: NINE_TO_FIVE})
    client.force_login(HrFactory())
    assert (
        client.post(f"/company/shifts/{placement.pk}/copy", {"week": MONDAY.isoformat()}).status_code == 404
    )
    assert Shift.objects.count() == 1


def test_one_week_for_many_apprentices_each_checked_against_their_own_shifts(client):
    ok = PlacementFactory(active=True)
    busy = PlacementFactory(active=True, post__company=ok.post.company)
    other = PlacementFactory(active=True)  # another company: not offered, and refused if posted
    _plan(busy, {2: (datetime.time(6), datetime.time(8))})  # Tuesday 6-8 + 9-17 breaks DAILY_HOURS
    client.force_login(HrFactory(company=ok.post.company))
    page = client.get("/company/shifts/bulk/")
    assert page.status_code == 200
    offered = set(page.context["form"].fields["placements"].queryset.values_list("pk", flat=True))
    assert offered == {ok.pk, busy.pk}
    data = {"week": MONDAY.isoformat(), "placements": [ok.pk, busy.pk]}
    for day in range(1, 6):
        data |= {f"start_{day}": "09:00", f"end_{day}": "17:00"}
    response = client.post("/company/shifts/bulk/", data)
    assert response.status_code == 200
    results = {r["placement"].pk: r for r in response.context["results"]}
    assert results[ok.pk]["saved"] == 5 and not results[ok.pk]["problems"]
    assert results[busy.pk]["saved"] == 0
    # Tuesday makes a 10-hour day, and the week 42 hours
    assert [(p["code"], p["rows"]) for p in results[busy.pk]["problems"]] == [
        ("DAILY_HOURS", [2]),
        ("WEEKLY_HOURS", [1, 2, 3, 4, 5]),
    ]
    assert results[busy.pk]["problems"][0]["days"] == ["星期二"]
    assert "DAILY_HOURS" in response.content.decode()
    assert Shift.objects.filter(placement=ok).count() == 5
    assert Shift.objects.filter(placement=busy).count() == 1  # all or nothing per apprentice
    before = Shift.objects.count()
    foreign = client.post("/company/shifts/bulk/", {**data, "placements": [other.pk]})
    assert foreign.status_code == 400 and Shift.objects.count() == before
