"""Clocking in and out with the work site's code: what is accepted, and every refusal with nothing written."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from backend.attendance import services, totp
from backend.attendance.models import DeviceBinding, PeriodStatus, Punch, WorkPeriod
from backend.core.errors import ApplicationError
from backend.placements.models import PlacementStatus
from tests.factories.attendance import TeacherFactory, WorkSiteFactory, WorkSitePostFactory

from .conftest import MONDAY, counts, local, make_world

pytestmark = pytest.mark.django_db


def refused(fn, code):
    """Run ``fn``; it must be refused with ``code`` and write nothing."""
    before = counts()
    with pytest.raises(ApplicationError) as info:
        fn()
    assert info.value.code == code, info.value.as_dict()
    assert info.value.message and info.value.message_en and info.value.message != info.value.message_en
    assert counts() == before
    return info.value


def test_clock_in_then_out_makes_one_period_waiting_for_the_mentor(world):
    # given
    t_in, t_out = local(MONDAY, 8, 0, 5), local(MONDAY, 12, 0, 5)
    # when
    first = world.clock("in", t_in, latitude="31.2304", longitude="121.4737", accuracy_m=25.0)
    second = world.clock("out", t_out)
    # then
    period = WorkPeriod.objects.get()
    assert first.period == second.period == period
    assert period.status == PeriodStatus.CLOSED and period.day == MONDAY
    assert (period.clock_in.at, period.clock_out.at) == (t_in, t_out)
    assert period.clock_in.step == totp.step_of(t_in)
    # the location is kept as evidence only
    assert (period.clock_in.latitude, period.clock_in.longitude) == (
        Decimal("31.230400"),
        Decimal("121.473700"),
    )
    assert period.clock_out.latitude is None
    # the first use bound the device
    assert DeviceBinding.objects.get().token_hash == services.device_token_hash(world.device)


def test_the_same_submission_twice_answers_the_first_result_and_writes_once(world):
    # given
    t = local(MONDAY, 8, 0, 5)
    first = world.clock("in", t, key="scan-1")
    before = counts()
    # when: the phone resubmits the same scan a minute later (its code has expired by then)
    again = world.clock("in", t + dt.timedelta(minutes=1), code=world.code(t), key="scan-1")
    # then
    assert again.repeated and not first.repeated
    assert again.punch == first.punch and again.period == first.period
    assert counts() == before


def test_an_expired_code_is_refused(world):
    t = local(MONDAY, 8, 0, 0)
    old = world.code(t)
    refused(
        lambda: world.clock("in", t + dt.timedelta(seconds=totp.STEP + totp.GRACE), code=old),
        "ATT_CODE_EXPIRED",
    )


def test_the_window_boundary_last_valid_second_and_first_invalid_one(world):
    # given the kiosk shows a code at a step's start
    shown = local(MONDAY, 8, 0, 0)
    assert int(shown.timestamp()) % totp.STEP == 0
    code = world.code(shown)
    # when typed at the first invalid second: refused
    with time_machine.travel(shown + dt.timedelta(seconds=totp.STEP + totp.GRACE), tick=False):
        refused(lambda: world.clock("in", None, code=code), "ATT_CODE_EXPIRED")
    # when typed at the last valid second: accepted
    with time_machine.travel(shown + dt.timedelta(seconds=totp.STEP + totp.GRACE - 1), tick=False):
        result = world.clock("in", None, code=code)
    assert result.punch.step == totp.step_of(shown)


def test_a_code_replayed_by_the_same_apprentice_is_refused(world):
    # given the apprentice clocked in and out with codes of the morning
    t = local(MONDAY, 8, 0, 0)
    world.clock("in", t)
    world.clock("out", t + dt.timedelta(seconds=31))  # the next code
    # when the first code is used again within its window
    refused(lambda: world.clock("in", t + dt.timedelta(seconds=35), code=world.code(t)), "ATT_CODE_REPLAYED")


def test_another_sites_code_is_refused(world):
    # given another site of the same company, showing its own code
    other = WorkSiteFactory(company=world.site.company)
    t = local(MONDAY, 8, 0, 5)
    refused(lambda: world.clock("in", t, code=world.code(t, site=other)), "ATT_CODE_INVALID")


def test_a_wrong_code_is_refused(world):
    t = local(MONDAY, 8, 0, 5)
    good = world.code(t)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    refused(lambda: world.clock("in", t, code=wrong), "ATT_CODE_INVALID")


def test_a_device_that_is_not_the_bound_one_is_refused_until_the_teacher_releases_it(world):
    # given the apprentice's phone is bound by a first clock
    t = local(MONDAY, 8, 0, 5)
    world.work(t, t + dt.timedelta(hours=1))
    # when another phone tries
    later = t + dt.timedelta(hours=2)
    refused(
        lambda: world.clock("in", later, device_token="another-phone-token-abcdefghijk"),
        "ATT_DEVICE_NOT_BOUND",
    )
    refused(lambda: world.clock("in", later, device_token=""), "ATT_DEVICE_NOT_BOUND")
    # when the supervising teacher releases the binding, the new phone binds at its first clock
    teacher = TeacherFactory(school=world.placement.pilot.school)
    services.teacher_assign(actor=_coordinator(world), placement=world.placement, teacher=teacher)
    assert services.device_release(actor=teacher, student=world.placement.student) == 1
    world.clock("in", later, device_token="another-phone-token-abcdefghijk")
    assert DeviceBinding.objects.get().token_hash == services.device_token_hash(
        "another-phone-token-abcdefghijk"
    )


def test_only_the_apprentices_own_teacher_releases_the_device(world):
    world.work(local(MONDAY, 8, 0, 5), local(MONDAY, 9))
    stranger = TeacherFactory(school=world.placement.pilot.school)  # same school, not assigned
    refused(
        lambda: services.device_release(actor=stranger, student=world.placement.student),
        "DEVICE_RELEASE_FORBIDDEN",
    )


def test_no_active_placement_at_that_site_is_refused(world):
    t = local(MONDAY, 8, 0, 5)
    # another company's site, with a valid code of its own
    elsewhere = WorkSitePostFactory().site
    refused(lambda: world.clock("in", t, site=elsewhere), "ATT_NO_PLACEMENT")
    # the placement's own site, but before the placement starts
    before = local(world.placement.start_date - dt.timedelta(days=1), 8, 0, 5)
    refused(lambda: world.clock("in", before), "ATT_NO_PLACEMENT")
    # a placement that is not active
    world.placement.status = PlacementStatus.COMPLETED
    world.placement.save(update_fields=["status"])
    refused(lambda: world.clock("in", t), "ATT_NO_PLACEMENT")


def test_a_second_clock_in_while_one_is_open_is_refused(world):
    t = local(MONDAY, 8, 0, 5)
    world.clock("in", t)
    refused(lambda: world.clock("in", t + dt.timedelta(minutes=1)), "ATT_ALREADY_CLOCKED_IN")


def test_a_clock_out_without_a_clock_in_is_refused(world):
    refused(lambda: world.clock("out", local(MONDAY, 17)), "ATT_NOT_CLOCKED_IN")


def test_only_the_apprentice_clocks(world):
    refused(lambda: world.clock("in", local(MONDAY, 8, 0, 5), actor=world.mentor), "ATT_NOT_APPRENTICE")


def test_the_database_itself_refuses_a_second_open_clock_and_a_replayed_step(world):
    """The constraints hold even when two requests race past the service's checks."""
    # given an open period
    t = local(MONDAY, 8, 0, 5)
    first = world.clock("in", t).punch
    # then a second open period for the same apprentice cannot be stored
    punch = Punch.objects.create(
        placement=world.placement,
        student=world.placement.student,
        site=world.site,
        kind="in",
        at=t,
        step=first.step + 5,
        idempotency_key="race-2",
    )
    with pytest.raises(IntegrityError, match="period_one_open_per_student"), transaction.atomic():
        WorkPeriod.objects.create(
            placement=world.placement,
            student=world.placement.student,
            site=world.site,
            day=MONDAY,
            clock_in=punch,
        )
    # and the same step cannot be used twice by the apprentice at the site
    with pytest.raises(IntegrityError, match="punch_code_once"), transaction.atomic():
        Punch.objects.create(
            placement=world.placement,
            student=world.placement.student,
            site=world.site,
            kind="in",
            at=t,
            step=first.step,
            idempotency_key="race-3",
        )


def test_two_apprentices_use_the_same_code(db):
    # given two apprentices of the same site
    a = make_world()
    b = make_world(post=a.placement.post, mentor=a.placement.mentor)
    t = local(MONDAY, 8, 0, 5)
    # when both type the code on the door
    a.clock("in", t)
    b.clock("in", t, site=a.site)
    # then both are in
    assert WorkPeriod.objects.filter(status=PeriodStatus.OPEN).count() == 2


def _coordinator(world):
    from tests.factories.accounts import CoordinatorFactory

    return CoordinatorFactory(school=world.placement.pilot.school)


def test_a_day_clock_reads_once_before_it_writes(world):
    """The morning burst's path (bench/checkin.py): one statement reads everything the checks need; a clock-in
    writes the punch, the period and the audit row, a clock-out reads its day once to judge the day's hours."""
    # given the device is bound and this process has read the policy and the calendar (first clock)
    world.work(local(MONDAY, 7, 0, 5), local(MONDAY, 7, 30, 5))

    def statements(fn):
        with CaptureQueriesContext(connection) as queries:
            fn()
        return [" ".join(q["sql"].split()[:3]) for q in queries.captured_queries]

    # when
    clock_in = statements(lambda: world.clock("in", local(MONDAY, 8, 0, 5)))
    clock_out = statements(lambda: world.clock("out", local(MONDAY, 12, 0, 5)))
    # then (the test's transaction makes the clock's own a savepoint)
    assert [s.split()[0] for s in clock_in] == [
        "SELECT",
        "SAVEPOINT",
        "INSERT",
        "INSERT",
        "INSERT",
        "RELEASE",
    ]
    assert [s.split()[0] for s in clock_out] == [
        "SELECT", "SAVEPOINT", "INSERT", "SELECT", "UPDATE", "INSERT", "RELEASE",
    ]  # fmt: skip
    assert WorkPeriod.objects.filter(status=PeriodStatus.CLOSED).count() == 2
