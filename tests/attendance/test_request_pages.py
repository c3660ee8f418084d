"""The portal pages of make-ups and leave: the apprentice asks on the phone page, the mentor and the teacher
decide on theirs, and the sealed attendance PDF downloads from the apprentice's page."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from backend.attendance.models import LeaveRequest, MakeUpRequest, RequestStatus, WorkPeriod
from tests.factories.accounts import MentorUserFactory
from tests.factories.attendance import TeacherAssignmentFactory, TeacherFactory

from .conftest import MONDAY, local

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + dt.timedelta(days=1)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_apprentice_asks_the_mentor_approves_a_make_up_on_the_pages(world):
    # given Monday's clock-in left open
    world.clock("in", local(MONDAY, 8, 0, 5))
    with time_machine.travel(local(TUESDAY, 9), tick=False):
        apprentice = client_for(world.student)
        page = apprentice.get("/me/requests/").content.decode()
        assert 'data-testid="open-period"' in page and 'data-testid="makeup-form"' in page
        # when the apprentice asks for the clock-out
        response = apprentice.post(
            "/me/requests/",
            {"form": "makeup", "kind": "out", "day": MONDAY.isoformat(), "at": "17:00", "reason": "手机没电"},
        )
        assert response.status_code == 302
        req = MakeUpRequest.objects.get()
        # and the mentor approves on the list
        mentor = client_for(world.mentor)
        assert "手机没电" in mentor.get("/mentor/requests/").content.decode()
        stranger = client_for(MentorUserFactory())
        assert (
            stranger.post(
                "/mentor/requests/", {"what": "makeup", "pk": req.pk, "decision": "approve"}
            ).status_code
            == 404
        )
        assert (
            mentor.post(
                "/mentor/requests/", {"what": "makeup", "pk": req.pk, "decision": "approve"}
            ).status_code
            == 302
        )
    # then the period is closed by a make-up
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED
    assert WorkPeriod.objects.get().clock_out.makeup


def test_a_future_make_up_is_refused_on_the_page_and_nothing_written(world):
    with time_machine.travel(local(MONDAY, 9), tick=False):
        response = client_for(world.student).post(
            "/me/requests/",
            {
                "form": "makeup",
                "kind": "in",
                "day": TUESDAY.isoformat(),
                "at": "09:00",
                "end": "17:00",
                "reason": "x",
            },
        )
    assert response.status_code == 400 and "不能为将来的时间补卡" in response.content.decode()
    assert not MakeUpRequest.objects.exists()


def test_leave_asked_on_the_phone_and_approved_by_the_mentor_and_the_teacher_on_their_pages(world):
    teacher = TeacherAssignmentFactory(
        placement=world.placement, teacher=TeacherFactory(school=world.placement.pilot.school)
    ).teacher
    with time_machine.travel(local(MONDAY, 9), tick=False):
        response = client_for(world.student).post(
            "/me/requests/",
            {
                "form": "leave",
                "kind": "personal",
                "start_date": TUESDAY.isoformat(),
                "end_date": TUESDAY.isoformat(),
                "hours": "8",
                "reason": "家中有事",
            },
        )
        assert response.status_code == 302
        leave = LeaveRequest.objects.get()
        for user, url in ((world.mentor, "/mentor/requests/"), (teacher, "/teacher/leave/")):
            page = client_for(user)
            assert "家中有事" in page.get(url).content.decode()
            assert page.post(url, {"what": "leave", "pk": leave.pk, "decision": "approve"}).status_code == 302
        # an unassigned teacher sees nothing
        outsider = client_for(TeacherFactory(school=world.placement.pilot.school))
        assert "家中有事" not in outsider.get("/teacher/leave/").content.decode()
        assert (
            outsider.post(
                "/teacher/leave/", {"what": "leave", "pk": leave.pk, "decision": "refuse"}
            ).status_code
            == 404
        )
        mine = client_for(world.student).get("/me/requests/").content.decode()
    leave.refresh_from_db()
    assert leave.status == RequestStatus.APPROVED
    assert 'data-testid="leave-status">已批准' in mine


def test_the_apprentice_downloads_the_sealed_record_from_the_page(world):
    page = client_for(world.student).get("/me/requests/").content.decode()
    url = f"/attendance/placements/{world.placement.pk}/record.pdf"
    assert url in page
    response = client_for(world.student).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content)[:5] == b"%PDF-"
    assert client_for(MentorUserFactory()).get(url).status_code == 404


def test_the_request_pages_fit_a_phone_and_carry_no_inline_script_or_style(world):
    for user, url in ((world.student, "/me/requests/"), (world.mentor, "/mentor/requests/")):
        html = client_for(user).get(url).content.decode()
        assert 'name="viewport"' in html
        assert "style=" not in html and "<script>" not in html
