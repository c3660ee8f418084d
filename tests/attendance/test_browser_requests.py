"""Make-ups (补卡) and leave (请假) in a real browser on a 390x844 phone: the apprentice asks for both (the leave with
an attachment), the mentor approves the make-up, the mentor and the teacher approve the leave, and the apprentice
sees both approved. Each page is reached from the role's menu."""

import datetime as dt

import pytest

from backend.attendance.models import LeaveRequest, MakeUpRequest, RequestStatus, WorkPeriod
from backend.core.clock import local_today
from tests.factories.attendance import TeacherAssignmentFactory
from tests.portal.conftest import PHONE, screenshot

from .conftest import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# the smallest file the attachment check takes for a PDF (it reads the magic bytes)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _open_from_menu(page, live_server, path: str) -> None:
    """Follow the menu's link to ``path`` from the role's home page (the page is reachable, not only typed)."""
    page.goto(f"{live_server.url}/")
    link = page.locator(f"a[href='{path}']").first
    assert link.count() == 1, f"no link to {path} on the home page or the menu"
    page.goto(f"{live_server.url}{path}")


def test_the_apprentice_asks_for_a_make_up_and_a_leave_and_sees_both_approved(live_server, new_page, login):
    # given an apprentice placed at a work site, the mentor, and the supervising teacher
    world = make_world()
    teacher = TeacherAssignmentFactory(placement=world.placement).teacher
    yesterday = local_today() - dt.timedelta(days=1)
    leave_day = local_today() + dt.timedelta(days=3)
    # when the apprentice asks on the phone for yesterday's forgotten period (08:00-12:00)
    phone = login(new_page(viewport=PHONE), world.student)
    _open_from_menu(phone, live_server, "/me/requests/")
    form = phone.locator("[data-testid=makeup-form]")
    form.locator("select[name=kind]").select_option("in")
    form.locator("input[name=day]").fill(yesterday.isoformat())
    form.locator("input[name=at]").fill("08:00")
    form.locator("input[name=end]").fill("12:00")
    form.locator("input[name=reason]").fill("手机没电，忘了打卡")
    with phone.expect_navigation():
        phone.click("[data-testid=makeup-submit]")
    # and for a day of sick leave, with a doctor's note attached
    form = phone.locator("[data-testid=leave-form]")
    form.locator("select[name=kind]").select_option("sick")
    form.locator("input[name=start_date]").fill(leave_day.isoformat())
    form.locator("input[name=end_date]").fill(leave_day.isoformat())
    form.locator("input[name=hours]").fill("8")
    form.locator("input[name=reason]").fill("发烧，去医院")
    form.locator("input[name=attachment]").set_input_files(
        {"name": "病假条.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    with phone.expect_navigation():
        phone.click("[data-testid=leave-submit]")
    # then both wait, on the phone page that fits the screen
    assert phone.inner_text("[data-testid=makeup-status]").strip() == "待审批"
    assert phone.inner_text("[data-testid=leave-status]").strip() == "待审批"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "attendance-requests-phone-asked")
    leave = LeaveRequest.objects.get()
    assert leave.attachment.name.endswith(".pdf")

    # when the mentor approves the make-up and the leave on their phone
    mentor = login(new_page(viewport=PHONE), world.mentor)
    _open_from_menu(mentor, live_server, "/mentor/requests/")
    assert "手机没电，忘了打卡" in mentor.inner_text("[data-testid=waiting-makeup]")
    screenshot(mentor, "attendance-requests-mentor")
    with mentor.expect_navigation():
        mentor.click("[data-testid=approve-makeup]")
    with mentor.expect_navigation():
        mentor.click("[data-testid=approve-leave]")
    assert mentor.locator("[data-testid=waiting-makeup]").count() == 0
    assert mentor.locator("[data-testid=waiting-leave]").count() == 0
    # then the leave still waits for the teacher
    leave.refresh_from_db()
    assert leave.status == RequestStatus.PENDING and leave.mentor_decision == "approved"

    # when the teacher opens the attachment and approves the leave
    desk = login(new_page(viewport=PHONE), teacher)
    _open_from_menu(desk, live_server, "/teacher/leave/")
    assert "发烧，去医院" in desk.inner_text("[data-testid=waiting-leave]")
    href = desk.locator("[data-testid=waiting-leave] a").first.get_attribute("href")
    attachment = desk.request.get(f"{live_server.url}{href}")  # with the teacher's session
    assert attachment.ok and attachment.body().startswith(b"%PDF")
    screenshot(desk, "attendance-requests-teacher")
    with desk.expect_navigation():
        desk.click("[data-testid=approve-leave]")
    assert desk.locator("[data-testid=waiting-leave]").count() == 0

    # then the apprentice sees both approved
    phone.goto(f"{live_server.url}/me/requests/")
    assert phone.inner_text("[data-testid=makeup-status]").strip() == "已批准"
    assert phone.inner_text("[data-testid=leave-status]").strip() == "已批准"
    screenshot(phone, "attendance-requests-phone-approved")
    assert MakeUpRequest.objects.get().status == RequestStatus.APPROVED
    assert LeaveRequest.objects.get().status == RequestStatus.APPROVED
    made_up = WorkPeriod.objects.get(day=yesterday)
    assert made_up.clock_in.makeup and made_up.clock_out.makeup
