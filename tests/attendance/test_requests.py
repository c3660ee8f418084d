"""Make-ups (补卡), leave (请假) and the missing clock-out sweep."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.attendance import services
from backend.attendance.models import (
    AttendanceRecord,
    LeaveRequest,
    MakeUpRequest,
    PeriodStatus,
    Punch,
    RequestStatus,
    WorkPeriod,
)
from backend.core.errors import ApplicationError
from backend.notices.models import Notice
from backend.rules.models import ShiftKind, Violation, ViolationStatus
from backend.rules.services.audit import placement_worktime_audit, worktime_audit
from tests.factories.accounts import GuardianUserFactory, HrFactory, MentorUserFactory
from tests.factories.attendance import TeacherAssignmentFactory, TeacherFactory
from tests.factories.rules import ShiftFactory
from tests.factories.schools import GuardianFactory, birth_date_for_age

from .conftest import MONDAY, counts, local, make_world

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + dt.timedelta(days=1)
SUNDAY = MONDAY + dt.timedelta(days=6)


def refused(fn, code: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as err:
        fn()
    assert err.value.code == code, err.value.code
    return err.value


def with_teacher(world):
    return TeacherAssignmentFactory(
        placement=world.placement, teacher=TeacherFactory(school=world.placement.pilot.school)
    ).teacher


def request_counts() -> dict[str, int]:
    return {**counts(), "makeups": MakeUpRequest.objects.count(), "leave": LeaveRequest.objects.count()}


# -- make-ups ---------------------------------------------------------------------------------


def test_a_forgotten_clock_out_is_made_up_approved_and_attested_as_a_make_up(world):
    # given Monday's clock-in left open
    world.clock("in", local(MONDAY, 8, 0, 5))
    # when the apprentice asks on Tuesday for the clock-out at 17:00 and the mentor approves
    req = services.makeup_request(
        actor=world.student, kind="out", at=local(MONDAY, 17), reason="手机没电", now=local(TUESDAY, 9)
    )
    assert req.status == RequestStatus.PENDING
    assert Notice.objects.filter(recipient=world.mentor, kind="attendance.makeup").exists()
    services.makeup_approve(actor=world.mentor, request=req)
    # then the period is closed by a punch marked as a make-up, waiting for the countersignature
    period = WorkPeriod.objects.get()
    assert period.status == PeriodStatus.CLOSED
    assert period.clock_out.makeup and not period.clock_in.makeup
    assert period.clock_out.at == local(MONDAY, 17)
    # and the mentor's attestation and the chain carry the mark
    services.period_attest(actor=world.mentor, period=period)
    record = AttendanceRecord.objects.get()
    assert record.content["periods"][0]["clock_out_makeup"] is True
    assert record.content["periods"][0]["clock_in_makeup"] is False
    assert Notice.objects.filter(recipient=world.student, kind="attendance.makeup").exists()


def test_a_whole_forgotten_day_is_made_up_as_two_make_up_punches(world):
    # given nothing clocked on Monday
    req = services.makeup_request(
        actor=world.student,
        kind="in",
        at=local(MONDAY, 9),
        end_at=local(MONDAY, 17),
        reason="忘记打卡",
        now=local(TUESDAY, 9),
    )
    # when the mentor approves
    services.makeup_approve(actor=world.mentor, request=req)
    # then one closed period of two make-up punches on Monday
    period = WorkPeriod.objects.get()
    assert (period.day, period.status) == (MONDAY, PeriodStatus.CLOSED)
    assert period.clock_in.makeup and period.clock_out.makeup
    assert Punch.objects.filter(makeup=True).count() == 2


def test_a_make_up_in_the_future_or_older_than_a_week_is_refused_and_nothing_written(world):
    before = request_counts()
    now = local(TUESDAY, 9)

    def ask(at, end):
        return lambda: services.makeup_request(
            actor=world.student, kind="in", at=at, end_at=end, reason="忘了", now=now
        )

    refused(ask(local(TUESDAY, 10), local(TUESDAY, 12)), "ATT_MAKEUP_FUTURE")
    last_week = TUESDAY - dt.timedelta(days=services.MAKEUP_MAX_DAYS)
    refused(ask(local(last_week, 9), local(last_week, 17)), "ATT_MAKEUP_TOO_OLD")
    refused(ask(local(MONDAY, 9), local(MONDAY, 8)), "ATT_MAKEUP_TIMES")
    refused(
        lambda: services.makeup_request(
            actor=world.student, kind="out", at=local(MONDAY, 17), reason="x", now=now
        ),
        "ATT_MAKEUP_NO_OPEN",
    )
    assert request_counts() == before
    # the oldest day allowed still is
    oldest = TUESDAY - dt.timedelta(days=services.MAKEUP_MAX_DAYS - 1)
    assert ask(local(oldest, 9), local(oldest, 17))().pk


def test_another_companys_mentor_cannot_approve_a_make_up_and_nothing_is_written(world):
    # given a make-up of this apprentice, and a mentor of another company
    req = services.makeup_request(
        actor=world.student,
        kind="in",
        at=local(MONDAY, 9),
        end_at=local(MONDAY, 17),
        reason="忘记打卡",
        now=local(TUESDAY, 9),
    )
    stranger = MentorUserFactory()
    before = request_counts()
    # when / then
    refused(lambda: services.makeup_approve(actor=stranger, request=req), "ATT_NOT_MENTOR")
    refused(lambda: services.makeup_refuse(actor=stranger, request=req, reason="不行"), "ATT_NOT_MENTOR")
    assert request_counts() == before
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING


def test_the_other_companys_mentor_gets_404_through_the_api(world, api_client_for):
    req = services.makeup_request(
        actor=world.student,
        kind="in",
        at=local(MONDAY, 9),
        end_at=local(MONDAY, 17),
        reason="忘记打卡",
        now=local(TUESDAY, 9),
    )
    stranger = api_client_for(MentorUserFactory())
    assert stranger.post(f"/api/v1/attendance/makeups/{req.pk}/approve/").status_code == 404
    own = api_client_for(world.mentor)
    answer = own.post(f"/api/v1/attendance/makeups/{req.pk}/approve/")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "approved"


# -- leave ------------------------------------------------------------------------------------


def ask_leave(world, start=MONDAY, end=MONDAY, **kw):
    kw.setdefault("kind", "sick")
    kw.setdefault("hours", Decimal("8"))
    kw.setdefault("reason", "发烧")
    return services.leave_request(actor=world.student, start_date=start, end_date=end, today=start, **kw)


def test_leave_needs_the_mentor_and_the_teacher(world):
    # given a leave request, the placement's teacher assigned
    teacher = with_teacher(world)
    leave = ask_leave(world)
    assert Notice.objects.filter(recipient=teacher, kind="attendance.leave").exists()
    assert Notice.objects.filter(recipient=world.mentor, kind="attendance.leave").exists()
    # when the mentor approves, it still waits for the teacher
    leave = services.leave_decide(actor=world.mentor, leave=leave, approve=True)
    assert leave.status == RequestStatus.PENDING
    refused(
        lambda: services.leave_decide(actor=world.mentor, leave=leave, approve=True), "LEAVE_ALREADY_DECIDED"
    )
    # and when the teacher approves too, it is approved
    leave = services.leave_decide(actor=teacher, leave=leave, approve=True)
    assert leave.status == RequestStatus.APPROVED
    assert (leave.mentor_decision, leave.teacher_decision) == ("approved", "approved")
    # and the apprentice is told in Chinese with the English translation, title and body alike
    told = Notice.objects.get(recipient=world.student, kind="attendance.leave")
    zh, en = told.body.split("\n")
    assert told.title.startswith("请假已批准") and "病假已批准" in zh
    assert en.endswith("sick leave 2026-10-12–2026-10-12 was approved."), en


def test_either_side_refuses_with_a_reason(world):
    teacher = with_teacher(world)
    leave = ask_leave(world)
    services.leave_decide(actor=world.mentor, leave=leave, approve=True)
    refused(lambda: services.leave_decide(actor=teacher, leave=leave, approve=False), "ATT_REFUSAL_REASON")
    leave = services.leave_decide(actor=teacher, leave=leave, approve=False, reason="请补交病历")
    assert (leave.status, leave.refusal_reason) == (RequestStatus.REFUSED, "请补交病历")
    refused(
        lambda: services.leave_decide(actor=world.mentor, leave=leave, approve=True), "ATT_REQUEST_DECIDED"
    )


def test_a_teacher_not_assigned_cannot_see_or_approve_leave(world, api_client_for):
    # given the leave of an apprentice whose teacher is another
    with_teacher(world)
    leave = ask_leave(world)
    outsider = TeacherFactory(school=world.placement.pilot.school)
    before = request_counts()
    # when / then: the API hides it and the service refuses
    client = api_client_for(outsider)
    assert client.get("/api/v1/attendance/leave/").json()["results"] == []
    assert client.post(f"/api/v1/attendance/leave/{leave.pk}/approve/").status_code == 404
    refused(lambda: services.leave_decide(actor=outsider, leave=leave, approve=True), "LEAVE_NOT_APPROVER")
    other_mentor = MentorUserFactory()
    refused(
        lambda: services.leave_decide(actor=other_mentor, leave=leave, approve=True), "LEAVE_NOT_APPROVER"
    )
    assert request_counts() == before
    leave.refresh_from_db()
    assert (leave.mentor_decision, leave.teacher_decision) == ("", "")


def test_the_guardian_of_a_minor_is_told_of_leave_and_an_adults_is_not(world):
    # given a minor apprentice with a guardian account
    student = world.placement.student
    student.birth_date = birth_date_for_age(17, MONDAY)
    student.save(update_fields=["birth_date"])
    guardian = GuardianUserFactory(guardian=GuardianFactory(student=student))
    # when the minor asks for leave
    ask_leave(world)
    # then the guardian is told
    assert Notice.objects.filter(recipient=guardian, kind="attendance.leave").count() == 1
    # and an adult's guardian is not
    adult = make_world()
    adult_guardian = GuardianUserFactory(guardian=GuardianFactory(student=adult.placement.student))
    ask_leave(adult)
    assert not Notice.objects.filter(recipient=adult_guardian).exists()


def test_an_attachment_is_size_and_type_checked_and_only_the_parties_download_it(world, api_client_for):
    before = request_counts()
    fake = SimpleUploadedFile("病历.pdf", b"not a pdf at all", content_type="application/pdf")
    refused(lambda: ask_leave(world, attachment=fake), "LEAVE_ATTACHMENT_TYPE")
    big = SimpleUploadedFile("病历.pdf", b"%PDF-" + b"0" * services.ATTACHMENT_MAX_BYTES)
    refused(lambda: ask_leave(world, attachment=big), "LEAVE_ATTACHMENT_TOO_LARGE")
    assert request_counts() == before
    leave = ask_leave(world, attachment=SimpleUploadedFile("note.pdf", b"%PDF-1.4 sick note"))
    url = f"/api/v1/attendance/leave/{leave.pk}/attachment/"
    mine = api_client_for(world.mentor).get(url)
    assert mine.status_code == 200 and b"".join(mine.streaming_content).startswith(b"%PDF-1.4")
    assert api_client_for(MentorUserFactory()).get(url).status_code == 404
    assert api_client_for(HrFactory()).get(url).status_code == 404


def _a_week_worked_every_day(placement):
    """HR's upload: 5 h every day Monday to Sunday, Sunday not planned (REST_DAY for the week, OVERTIME Sunday)."""
    for n in range(7):
        day = MONDAY + dt.timedelta(days=n)
        ShiftFactory(
            placement=placement, kind=ShiftKind.ACTUAL, start_at=local(day, 8), end_at=local(day, 13)
        )
        if n < 6:
            ShiftFactory(
                placement=placement, kind=ShiftKind.PLANNED, start_at=local(day, 8), end_at=local(day, 13)
            )


def _open(placement):
    return set(
        Violation.objects.filter(placement=placement)
        .exclude(status=ViolationStatus.RESOLVED)
        .values_list("rule_code", "period_start")
    )


def test_an_approved_leave_day_is_no_rest_day_or_overtime_problem(world):
    # given a week worked every day, its Sunday unplanned: REST_DAY and OVERTIME
    teacher = with_teacher(world)
    _a_week_worked_every_day(world.placement)
    placement_worktime_audit(placement=world.placement, lo_day=MONDAY, hi_day=SUNDAY, notify=False)
    assert _open(world.placement) == {("REST_DAY", MONDAY), ("OVERTIME", SUNDAY)}
    # when leave for Sunday is approved by both
    leave = ask_leave(world, start=SUNDAY, end=SUNDAY)
    services.leave_decide(actor=world.mentor, leave=leave, approve=True)
    assert _open(world.placement) == {("REST_DAY", MONDAY), ("OVERTIME", SUNDAY)}  # pending: still work
    services.leave_decide(actor=teacher, leave=leave, approve=True)
    # then the day counts as no work at once (the placement's weeks re-audited) ...
    assert _open(world.placement) == set()
    # ... and in the set-based audit of every placement too
    worktime_audit(lo_day=MONDAY, hi_day=SUNDAY, notify=False)
    assert _open(world.placement) == set()


def test_a_leave_day_in_the_set_based_audit_alone(world):
    # given the week worked every day, leave approved for Sunday before any audit
    teacher = with_teacher(world)
    _a_week_worked_every_day(world.placement)
    leave = ask_leave(world, start=SUNDAY, end=SUNDAY)
    services.leave_decide(actor=world.mentor, leave=leave, approve=True)
    services.leave_decide(actor=teacher, leave=leave, approve=True)
    Violation.objects.all().delete()
    # when the set-based audit runs, then neither finding is raised (other days' findings still would be)
    worktime_audit(lo_day=MONDAY, hi_day=SUNDAY, notify=False)
    assert _open(world.placement) == set()
    # and a refused leave waives nothing
    other = make_world()
    _a_week_worked_every_day(other.placement)
    worktime_audit(lo_day=MONDAY, hi_day=SUNDAY, notify=False)
    assert _open(other.placement) == {("REST_DAY", MONDAY), ("OVERTIME", SUNDAY)}


# -- the missing clock-out ------------------------------------------------------------------------


def test_a_clock_out_missing_the_next_morning_is_flagged_once_by_the_sweep(world):
    # given Monday's clock-in still open, a teacher and HR
    teacher = with_teacher(world)
    hr = HrFactory(company=world.placement.post.company)
    world.clock("in", local(MONDAY, 8, 0, 5))
    # when the sweep runs before 08:00 on Tuesday, nothing yet
    assert services.missing_clock_out_sweep(now=local(TUESDAY, 7, 59, 59)) == 0
    # then at 08:00 the period is flagged and the apprentice, mentor, HR and teacher told
    with time_machine.travel(local(TUESDAY, 8, 0, 0), tick=False):
        assert services.missing_clock_out_sweep() == 1
    period = WorkPeriod.objects.get()
    assert period.missing_out_flagged_at == local(TUESDAY, 8)
    told = set(
        Notice.objects.filter(kind="attendance.missing_clock_out").values_list("recipient_id", flat=True)
    )
    assert told == {world.student.pk, world.mentor.pk, teacher.pk, hr.pk}
    # and once only
    assert services.missing_clock_out_sweep(now=local(TUESDAY, 9)) == 0
    assert Notice.objects.filter(kind="attendance.missing_clock_out").count() == 4


def test_a_closed_day_is_never_flagged(world):
    world.work(local(MONDAY, 8, 0, 5), local(MONDAY, 16, 0, 5))
    assert services.missing_clock_out_sweep(now=local(TUESDAY, 9)) == 0
