"""Rules at once: a clock shows NIGHT_WORK, HOLIDAY_WORK and DAILY_HOURS the moment it happens, notifying as every
violation does (a real worker process sends the notices)."""

import datetime as dt

import pytest

from backend.attendance import services
from backend.notices.models import Notice
from backend.rules.models import Holiday, HolidayKind, Violation
from tests.conftest import wait_for
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.attendance import TeacherAssignmentFactory, TeacherFactory
from tests.factories.rules import PolicyVersionFactory

from .conftest import MONDAY, local, make_world

NATIONAL_DAY = dt.date(2026, 10, 2)  # a statutory holiday (National Day break, 1-7 October 2026)


def test_a_night_clock_in_raises_night_work_at_once_and_notifies_the_school_the_company_and_the_teacher(
    celery_worker,
):
    # given an apprentice whose school and company have accounts, and a supervising teacher
    world = make_world()
    coordinator = CoordinatorFactory(school=world.placement.pilot.school)
    hr = HrFactory(company=world.placement.post.company)
    teacher = TeacherAssignmentFactory(
        placement=world.placement, teacher=TeacherFactory(school=world.placement.pilot.school)
    ).teacher
    TeacherFactory(school=world.placement.pilot.school)  # another teacher of the school: not told
    # when the apprentice clocks in at 22:30
    result = world.clock("in", local(MONDAY, 22, 30, 5))
    # then the violation exists before anybody attests anything
    violation = Violation.objects.get(placement=world.placement)
    assert list(result.violations) == [violation.pk]
    assert (violation.rule_code, violation.period_start, violation.period_end) == (
        "NIGHT_WORK",
        MONDAY,
        MONDAY,
    )
    assert violation.figures["window"] == "22:00-06:00"

    # and the school, the company and the teacher are told (the worker sends the notices after commit)
    def violation_notices():
        rows = list(Notice.objects.filter(kind="rules.violation"))
        return rows if len(rows) >= 3 else None

    notices = wait_for(violation_notices, timeout=60)
    assert {n.recipient_id for n in notices} == {coordinator.pk, hr.pk, teacher.pk}
    assert all("NIGHT_WORK" in n.title for n in notices)


@pytest.mark.django_db
def test_a_day_clock_in_raises_nothing(world):
    assert world.clock("in", local(MONDAY, 8, 0, 5)).violations == ()
    assert not Violation.objects.exists()


@pytest.mark.django_db
def test_a_clock_in_on_a_statutory_holiday_raises_holiday_work(world):
    result = world.clock("in", local(NATIONAL_DAY, 9, 0, 5))
    violation = Violation.objects.get()
    assert violation.rule_code == "HOLIDAY_WORK" and violation.period_start == NATIONAL_DAY
    assert list(result.violations) == [violation.pk]


@pytest.mark.django_db
def test_a_day_past_eight_hours_raises_daily_hours_at_the_clock_out(world):
    # given a morning and an afternoon of 4h and 5h
    world.work(local(MONDAY, 7, 0, 5), local(MONDAY, 11, 0, 5))
    world.clock("in", local(MONDAY, 12, 0, 5))
    assert not Violation.objects.exists()
    # when the apprentice clocks out past 8 hours in the day
    result = world.clock("out", local(MONDAY, 17, 0, 5))
    # then
    violation = Violation.objects.get()
    assert (violation.rule_code, violation.period_start) == ("DAILY_HOURS", MONDAY)
    assert violation.figures == {"limit_minutes": 480, "actual_minutes": 540}
    assert list(result.violations) == [violation.pk]


@pytest.mark.django_db
def test_the_attested_night_shift_finds_the_same_violation_not_a_second_one(world):
    # given a night clock-in raised NIGHT_WORK
    world.clock("in", local(MONDAY, 21, 0, 5))
    period = world.clock("out", local(MONDAY, 23, 0, 5)).period
    first = Violation.objects.get()
    assert first.figures["actual_minutes"] == 61
    # when the mentor attests the period (the rules audit the actual shift at once)
    services.period_attest(actor=world.mentor, period=period)
    # then it is the same violation (OVERTIME comes too: no schedule was planned for that evening)
    assert list(Violation.objects.filter(rule_code="NIGHT_WORK").values_list("pk", flat=True)) == [first.pk]


@pytest.mark.django_db
def test_a_policy_saved_here_is_the_one_the_next_clock_reads(world):
    # given a night clock-in read the national policy (night from 22:00) into this process's recent copy
    assert world.clock("in", local(MONDAY, 22, 30, 5)).violations
    world.clock("out", local(MONDAY, 22, 40, 5))
    # when the pilot's own policy moves the night to 23:00
    PolicyVersionFactory(
        pilot=world.placement.pilot,
        valid_from=world.placement.start_date,
        figures={"night_start": "23:00"},
    )
    # then the next evening's 22:30 clock-in is day work under it, and 23:10 is night work
    tuesday = MONDAY + dt.timedelta(days=1)
    assert world.clock("in", local(tuesday, 22, 30, 5)).violations == ()
    world.clock("out", local(tuesday, 22, 50, 5))
    assert list(Violation.objects.values_list("period_start", flat=True)) == [MONDAY]
    result = world.clock("in", local(tuesday, 23, 10, 5))
    assert Violation.objects.get(pk__in=result.violations).figures["window"] == "23:00-06:00"


@pytest.mark.django_db
def test_a_holiday_declared_here_is_the_one_the_next_clock_reads(world):
    # given a Wednesday's clock-in read the year's calendar into this process's recent copy
    wednesday, thursday = MONDAY + dt.timedelta(days=2), MONDAY + dt.timedelta(days=3)
    world.work(local(wednesday, 9, 0, 5), local(wednesday, 10, 0, 5))
    # when Thursday is declared a statutory day off
    Holiday.objects.create(date=thursday, kind=HolidayKind.HOLIDAY, name="Test Day", name_zh="测试假日")
    # then a clock-in on Thursday raises HOLIDAY_WORK at once
    result = world.clock("in", local(thursday, 9, 0, 5))
    violation = Violation.objects.get()
    assert (violation.rule_code, violation.period_start) == ("HOLIDAY_WORK", thursday)
    assert violation.figures["holiday"] == "测试假日"
    assert list(result.violations) == [violation.pk]


@pytest.mark.django_db
def test_a_day_clock_in_after_a_night_one_leaves_the_nights_figures_alone(world):
    # given the night of Monday's early hours was worked and clocked out (NIGHT_WORK, 55 minutes)
    world.work(local(MONDAY, 5, 5, 5), local(MONDAY, 7, 0, 5))
    night = Violation.objects.get()
    assert night.figures["actual_minutes"] == 55
    # when the apprentice clocks in again at 08:00 and out at 12:00
    assert world.clock("in", local(MONDAY, 8, 0, 5)).violations == ()
    assert world.clock("out", local(MONDAY, 12, 0, 5)).violations == ()
    # then the night's violation is the one it was, and nothing else was raised
    assert list(Violation.objects.values_list("pk", "figures")) == [(night.pk, night.figures)]
