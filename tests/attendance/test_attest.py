"""The mentor's countersignature: an attested day is the actual shift the rules read, chained by its hash."""

import datetime as dt

import pytest

from backend.attendance import chain, selectors, services
from backend.attendance.models import AttendanceRecord, PeriodStatus, StudentResponse
from backend.core.errors import ApplicationError
from backend.rules.models import Attestation, Shift, ShiftKind
from tests.factories.accounts import HrFactory

from .conftest import MONDAY, counts, local, make_world

pytestmark = pytest.mark.django_db


def test_the_mentor_confirms_one_pair_and_it_becomes_the_actual_shift(world):
    # given a clocked morning
    period = world.work(local(MONDAY, 8, 0, 5), local(MONDAY, 12, 0, 5))
    # when
    period = services.period_attest(actor=world.mentor, period=period)
    # then the rules' actual shift, from attendance (linked), the day in the chain
    shift = Shift.objects.get()
    assert (shift.kind, shift.start_at, shift.end_at) == (
        ShiftKind.ACTUAL,
        period.clock_in.at,
        period.clock_out.at,
    )
    assert shift.placement == world.placement and shift.attendance_period == period
    assert (
        period.status == PeriodStatus.ATTESTED and period.attested_by == world.mentor and not period.corrected
    )
    record = AttendanceRecord.objects.get()
    assert (record.seq, record.day, record.event, record.prev_hash) == (1, MONDAY, "attested", chain.GENESIS)
    assert record.content["periods"][0]["start"] == period.clock_in.at.isoformat()
    assert selectors.chain_check(placement=world.placement).ok


def test_attest_all_confirms_every_waiting_pair_of_the_mentors_apprentices_that_day(db):
    # given two apprentices of one mentor, two pairs and one open clock, and another mentor's apprentice
    a = make_world()
    b = make_world(post=a.placement.post, mentor=a.placement.mentor)
    stranger = make_world()
    a.work(local(MONDAY, 8, 0, 5), local(MONDAY, 12))
    a.work(local(MONDAY, 13, 0, 5), local(MONDAY, 17))
    b.clock("in", local(MONDAY, 8, 0, 5))  # still at work
    stranger.work(local(MONDAY, 8, 0, 5), local(MONDAY, 12))
    # when
    done = services.periods_attest_all(actor=a.mentor, day=MONDAY)
    # then
    assert len(done) == 2 and all(p.status == PeriodStatus.ATTESTED for p in done)
    assert Shift.objects.filter(placement=a.placement, kind=ShiftKind.ACTUAL).count() == 2
    assert not Shift.objects.filter(placement__in=[b.placement, stranger.placement]).exists()
    assert selectors.chain_check(placement=a.placement) == chain.ChainCheck(True, 2)


def test_a_correction_with_a_reason_is_shown_to_the_apprentice_who_disputes_it(world, api_client_for):
    # given the apprentice forgot to clock out until the evening
    period = world.work(local(MONDAY, 8, 0, 5), local(MONDAY, 20, 0, 5))
    start, end = local(MONDAY, 8), local(MONDAY, 16)
    # a correction needs a reason
    before = counts()
    with pytest.raises(ApplicationError) as info:
        services.period_correct(actor=world.mentor, period=period, start=start, end=end, reason=" ")
    assert info.value.code == "ATT_CORRECTION_REASON" and counts() == before
    # when the mentor corrects it through the API
    response = api_client_for(world.mentor).post(
        f"/api/v1/attendance/periods/{period.pk}/correct/",
        {"start": start.isoformat(), "end": end.isoformat(), "reason": "17:00 已离岗，忘记下班打卡"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    # then the apprentice sees the correction and its reason
    seen = api_client_for(world.student).get(f"/api/v1/attendance/periods/{period.pk}/").json()
    assert seen["corrected"] and seen["correction_reason"] == "17:00 已离岗，忘记下班打卡"
    attested = (
        dt.datetime.fromisoformat(seen["attested_start"]),
        dt.datetime.fromisoformat(seen["attested_end"]),
    )
    assert attested == (start, end)
    shift = Shift.objects.get()
    assert (shift.start_at, shift.end_at) == (start, end)
    # when the apprentice disputes it
    response = api_client_for(world.student).post(
        f"/api/v1/attendance/periods/{period.pk}/respond/",
        {"accept": False, "note": "我 19:30 才离开车间"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    # then the period and the rules' shift carry the dispute, and the chain has the day twice
    period.refresh_from_db()
    shift.refresh_from_db()
    assert (
        period.student_response == StudentResponse.DISPUTED and period.dispute_note == "我 19:30 才离开车间"
    )
    assert shift.attestation == Attestation.DISPUTED and shift.dispute_note == "我 19:30 才离开车间"
    events = list(AttendanceRecord.objects.order_by("seq").values_list("event", flat=True))
    assert events == ["corrected", "disputed"]
    assert selectors.chain_check(placement=world.placement).ok
    # and it cannot be answered twice
    with pytest.raises(ApplicationError) as info:
        services.period_respond(actor=world.student, period=period, accept=True)
    assert info.value.code == "ATT_ALREADY_ANSWERED"


def test_only_the_apprentices_mentor_attests_and_only_once(world, api_client_for):
    period = world.work(local(MONDAY, 8, 0, 5), local(MONDAY, 12))
    other = make_world()
    before = counts()
    for actor in (other.mentor, world.student, HrFactory(company=world.placement.post.company)):
        with pytest.raises(ApplicationError) as info:
            services.period_attest(actor=actor, period=period)
        assert info.value.code == "ATT_NOT_MENTOR"
    # another mentor does not even see it through the API
    assert (
        api_client_for(other.mentor).post(f"/api/v1/attendance/periods/{period.pk}/attest/").status_code
        == 404
    )
    assert counts() == before
    services.period_attest(actor=world.mentor, period=period)
    with pytest.raises(ApplicationError) as info:
        services.period_attest(actor=world.mentor, period=period)
    assert info.value.code == "ATT_PERIOD_NOT_CLOSED"


def test_an_open_clock_cannot_be_attested(world):
    period = world.clock("in", local(MONDAY, 8, 0, 5)).period
    with pytest.raises(ApplicationError) as info:
        services.period_attest(actor=world.mentor, period=period)
    assert info.value.code == "ATT_PERIOD_NOT_CLOSED"


def test_the_chain_breaks_visibly_when_a_stored_past_day_is_altered(world):
    # given three attested days
    for offset in range(3):
        day = MONDAY + dt.timedelta(days=offset)
        services.period_attest(actor=world.mentor, period=world.work(local(day, 8, 0, 5), local(day, 12)))
    assert selectors.chain_check(placement=world.placement) == chain.ChainCheck(True, 3)
    # when somebody rewrites the first day in the database (an hour more)
    first = AttendanceRecord.objects.get(placement=world.placement, seq=1)
    content = first.content
    content["periods"][0]["end"] = local(MONDAY, 13).isoformat()
    AttendanceRecord.objects.filter(pk=first.pk).update(content=content)
    # then the verifier points at the altered day
    check = selectors.chain_check(placement=world.placement)
    assert (check.ok, check.broken_at, check.reason) == (False, 1, "content")
    # and recomputing that day's hash does not help: the next day no longer follows
    AttendanceRecord.objects.filter(pk=first.pk).update(hash=chain.link_hash(chain.GENESIS, content))
    check = selectors.chain_check(placement=world.placement)
    assert (check.ok, check.broken_at, check.reason) == (False, 2, "prev_hash")
