"""Pauses: the working-time audit skips a pause's days on both of its paths (the set-based SQL of PostgreSQL and
the per-placement Python of shift entry and SQLite), insurance and health warnings go on, resuming ends the pause."""

import datetime

import pytest

from backend.core.errors import ApplicationError
from backend.lifecycle.models import Pause, PauseReason
from backend.lifecycle.services import placement_pause, placement_resume
from backend.placements.models import PlacementEvent, PlacementStatus
from backend.placements.services import placement_transition
from backend.rules.models import Violation, ViolationStatus
from backend.rules.services.audit import placement_worktime_audit, status_audit, worktime_audit
from backend.rules.worktime import ShiftSpan, without_days
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.lifecycle import gate_ready_placement
from tests.factories.placements import PlacementFactory
from tests.factories.rules import ShiftFactory, at

pytestmark = pytest.mark.django_db

MON = datetime.date(2026, 10, 12)  # an ordinary week (no holiday): Monday 12 - Sunday 18 October 2026
TODAY = datetime.date(2026, 10, 20)


def active_placement():
    return PlacementFactory(active=True)


def coordinator_of(placement):
    return CoordinatorFactory(school=placement.pilot.school)


def long_days(placement, *days: str) -> None:
    """A 10-hour actual shift (08:00-18:00) on each day: DAILY_HOURS and OVERTIME each day."""
    for day in days:
        ShiftFactory(placement=placement, actual=True, start_at=at(day, "08:00"), end_at=at(day, "18:00"))


def open_findings(placement) -> list[tuple[str, str]]:
    return sorted(
        (v.rule_code, v.period_start.isoformat())
        for v in Violation.objects.filter(placement=placement).exclude(status=ViolationStatus.RESOLVED)
    )


def test_without_days_cuts_the_pieces_on_skipped_days_only():
    # given a shift crossing midnight into a skipped day, and one on a day kept
    crossing = ShiftSpan(at("2026-10-11", "22:00"), at("2026-10-12", "02:00"), ref=1)
    kept = ShiftSpan(at("2026-10-20", "08:00"), at("2026-10-20", "12:00"), ref=2)
    # when the 12th is skipped
    got = without_days([crossing, kept], [(MON, MON)])
    # then the piece before midnight stays, the one after it goes, the other shift is untouched
    assert got == [ShiftSpan(at("2026-10-11", "22:00"), at("2026-10-12", "00:00"), ref=1), kept]
    assert without_days([crossing], []) == [crossing]


def test_the_sql_audit_skips_the_days_of_a_pause():
    # given 10-hour days on Tuesday and Thursday, and a pause over Wednesday to Friday
    placement = active_placement()
    long_days(placement, "2026-10-13", "2026-10-15")
    placement_pause(
        actor=coordinator_of(placement),
        placement=placement,
        start_date=datetime.date(2026, 10, 14),
        end_date=datetime.date(2026, 10, 16),
        reason=PauseReason.ILLNESS,
        today=TODAY,
    )
    # when the full audit runs on PostgreSQL (set-based SQL)
    worktime_audit(notify=False)
    # then Thursday's shift, on a paused day, produces nothing; Tuesday's, outside the pause, does
    assert open_findings(placement) == [("DAILY_HOURS", "2026-10-13"), ("OVERTIME", "2026-10-13")]


def test_the_python_audit_skips_the_days_of_a_pause():
    # given the same days, audited by the per-placement Python path (shift entry; the SQLite demo's audit)
    placement = active_placement()
    long_days(placement, "2026-10-13", "2026-10-15")
    Pause.objects.create(
        placement=placement,
        start_date=datetime.date(2026, 10, 14),
        planned_end_date=datetime.date(2026, 10, 16),
        end_date=datetime.date(2026, 10, 16),
        reason=PauseReason.ILLNESS,
    )
    # when
    placement_worktime_audit(placement=placement, lo_day=MON, hi_day=MON, notify=False)
    # then
    assert open_findings(placement) == [("DAILY_HOURS", "2026-10-13"), ("OVERTIME", "2026-10-13")]


def test_both_audit_paths_agree_on_a_night_shift_running_into_a_pause():
    # given a night shift from Sunday 22:00 to Monday 02:00 and a pause from Monday
    placement = active_placement()
    ShiftFactory(
        placement=placement, actual=True, start_at=at("2026-10-11", "22:00"), end_at=at("2026-10-12", "02:00")
    )
    Pause.objects.create(
        placement=placement, start_date=MON, planned_end_date=MON, end_date=MON, reason=PauseReason.ILLNESS
    )
    # when the SQL audit runs, then the Python one
    worktime_audit(notify=False)
    sql = open_findings(placement)
    Violation.objects.filter(placement=placement).delete()
    placement_worktime_audit(placement=placement, lo_day=datetime.date(2026, 10, 5), hi_day=MON, notify=False)
    python = open_findings(placement)
    # then both keep Sunday's night minutes and skip Monday's
    assert sql == python
    assert ("NIGHT_WORK", "2026-10-11") in sql
    assert not [f for f in sql if f[1] == "2026-10-12"]


def test_resuming_early_ends_the_pause_and_brings_its_days_back_into_the_audit():
    # given a paused placement (that passes its activation gates, which resuming checks again) with a long day
    # inside the planned pause
    placement = gate_ready_placement()
    coordinator = coordinator_of(placement)
    long_days(placement, "2026-10-15")
    pause = placement_pause(
        actor=coordinator,
        placement=placement,
        start_date=MON,
        end_date=datetime.date(2026, 10, 25),
        reason=PauseReason.ILLNESS,
        today=TODAY,
    )
    placement_worktime_audit(placement=placement, lo_day=MON, hi_day=MON, notify=False)
    assert open_findings(placement) == []
    # when the apprentice comes back on Thursday, before the planned end
    pause = placement_resume(
        actor=coordinator, placement=placement, on=datetime.date(2026, 10, 15), today=TODAY
    )
    # then the pause ends on Wednesday, the placement is active, the history shows both moves, and Thursday counts
    pause.refresh_from_db()
    placement.refresh_from_db()
    assert (pause.end_date, pause.planned_end_date) == (
        datetime.date(2026, 10, 14),
        datetime.date(2026, 10, 25),
    )
    assert pause.ended_early
    assert placement.status == PlacementStatus.ACTIVE
    moves = list(PlacementEvent.objects.filter(placement=placement).values_list("from_status", "to_status"))
    assert moves[-2:] == [("active", "paused"), ("paused", "active")]
    assert "暂停" in PlacementEvent.objects.filter(placement=placement, to_status="paused").get().note
    assert open_findings(placement) == [("DAILY_HOURS", "2026-10-15"), ("OVERTIME", "2026-10-15")]


def test_insurance_warnings_continue_while_paused():
    # given a paused placement without any insurance
    placement = active_placement()
    placement_pause(
        actor=coordinator_of(placement),
        placement=placement,
        start_date=MON,
        end_date=datetime.date(2026, 10, 25),
        reason=PauseReason.ILLNESS,
        today=TODAY,
    )
    # when the status audit runs
    status_audit(as_of=TODAY, notify=False)
    # then the missing insurance is found as for an active placement
    assert Violation.objects.filter(placement=placement, rule_code="INSURANCE").exists()


@pytest.mark.parametrize(
    "status", [PlacementStatus.PROPOSED, PlacementStatus.SIGNING, PlacementStatus.COMPLETED]
)
def test_only_an_active_placement_is_paused_and_nothing_is_written_otherwise(status):
    placement = PlacementFactory(status=status)
    with pytest.raises(ApplicationError) as refused:
        placement_pause(
            actor=coordinator_of(placement),
            placement=placement,
            start_date=MON,
            end_date=datetime.date(2026, 10, 25),
            reason=PauseReason.ILLNESS,
            today=TODAY,
        )
    assert refused.value.code == "TRANSITION_NOT_ALLOWED"
    assert Pause.objects.count() == 0
    placement.refresh_from_db()
    assert placement.status == status


def test_the_company_cannot_pause_and_the_generic_transition_cannot_pause_without_dates():
    placement = active_placement()
    with pytest.raises(ApplicationError) as by_hr:
        placement_pause(
            actor=HrFactory(company=placement.post.company),
            placement=placement,
            start_date=MON,
            end_date=datetime.date(2026, 10, 25),
            reason=PauseReason.ILLNESS,
            today=TODAY,
        )
    with pytest.raises(ApplicationError) as bare:
        placement_transition(placement=placement, to=PlacementStatus.PAUSED, actor=coordinator_of(placement))
    assert (by_hr.value.code, by_hr.value.status) == ("PERMISSION_DENIED", 403)
    assert bare.value.code == "PAUSE_REQUIRED"
    assert Pause.objects.count() == 0
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE


def test_a_paused_placement_cannot_complete_and_resumes_only_through_its_pause():
    placement = gate_ready_placement()
    coordinator = coordinator_of(placement)
    placement_pause(
        actor=coordinator,
        placement=placement,
        start_date=MON,
        end_date=datetime.date(2026, 10, 25),
        reason=PauseReason.ILLNESS,
        today=TODAY,
    )
    with pytest.raises(ApplicationError) as complete:
        placement_transition(placement=placement, to=PlacementStatus.COMPLETED, actor=coordinator)
    with pytest.raises(ApplicationError) as bare_resume:
        placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=coordinator)
    assert complete.value.code == "TRANSITION_NOT_ALLOWED"
    assert sorted(complete.value.details["allowed"]) == ["active", "terminated"]
    assert bare_resume.value.code == "PAUSE_OPEN"


def test_pauses_do_not_overlap_and_lie_within_the_placement():
    placement = gate_ready_placement()
    coordinator = coordinator_of(placement)
    with pytest.raises(ApplicationError) as outside:
        placement_pause(
            actor=coordinator,
            placement=placement,
            start_date=datetime.date(2026, 8, 20),
            end_date=datetime.date(2026, 9, 5),
            reason=PauseReason.ILLNESS,
            today=TODAY,
        )
    pause = placement_pause(
        actor=coordinator,
        placement=placement,
        start_date=MON,
        end_date=datetime.date(2026, 10, 14),
        reason=PauseReason.ILLNESS,
        today=TODAY,
    )
    placement_resume(actor=coordinator, placement=placement, on=datetime.date(2026, 10, 15), today=TODAY)
    with pytest.raises(ApplicationError) as overlap:
        placement_pause(
            actor=coordinator,
            placement=placement,
            start_date=datetime.date(2026, 10, 14),
            end_date=datetime.date(2026, 10, 16),
            reason=PauseReason.ILLNESS,
            today=TODAY,
        )
    assert outside.value.code == "PAUSE_OUTSIDE_PLACEMENT"
    assert overlap.value.code == "PAUSE_OVERLAP"
    assert list(Pause.objects.values_list("pk", flat=True)) == [pause.pk]
