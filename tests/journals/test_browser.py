"""The apprentice's working day on a 390x844 phone, end to end in Chromium: clock in with the code shown on the
kiosk (a second browser context), clock out, the mentor attests the day, the apprentice writes a weekly journal,
the teacher comments on it and the apprentice reads the comment. The web app's worker and the offline notice too."""

import pytest

from backend.journals.models import JournalEntry, ReviewAction
from tests.attendance.conftest import make_world
from tests.factories.accounts import HrFactory
from tests.factories.attendance import TeacherAssignmentFactory, TeacherFactory
from tests.portal.conftest import PHONE, screenshot
from tests.security.test_csp_browser import RECORD_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _kiosk_code(kiosk):
    return kiosk.inner_text("[data-testid=kiosk-code]").strip()


def test_clock_in_and_out_attest_write_a_weekly_journal_and_read_the_teachers_comment(
    live_server, new_page, login
):
    # given an apprentice placed at a work site today, the company's HR, the mentor and the assigned teacher
    world = make_world()
    hr = HrFactory(company=world.placement.post.company)
    teacher = TeacherFactory(school=world.placement.pilot.school, display_name="王老师")
    TeacherAssignmentFactory(placement=world.placement, teacher=teacher)
    # the kiosk by the door, in its own browser context
    kiosk = login(new_page(), hr)
    kiosk.goto(f"{live_server.url}/attendance/kiosk/{world.site.pk}/")
    first_code = _kiosk_code(kiosk)
    # when the apprentice types the code on the phone and clocks in
    phone = new_page(viewport=PHONE)
    phone.context.add_init_script(RECORD_VIOLATIONS)
    login(phone, world.student)
    phone.goto(f"{live_server.url}/me/clock/")
    phone.fill("[data-testid=clock-code]", first_code)
    with phone.expect_navigation():
        phone.click("[data-testid=clock-in]")
    assert "上班打卡成功" in phone.inner_text(".messages")
    # the page says when the network is gone, and the clock cannot be used then
    phone.context.set_offline(True)
    phone.wait_for_selector(".clock-offline", state="visible")
    assert phone.locator("[data-testid=offline-banner]").is_visible()
    assert phone.locator("[data-testid=clock-out]").is_disabled()
    screenshot(phone, "journals-phone-offline")
    phone.context.set_offline(False)
    phone.wait_for_selector(".clock-offline", state="hidden")
    assert phone.locator("[data-testid=clock-out]").is_enabled()
    # the web app's service worker controls the portal from the root
    scope = phone.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{live_server.url}/"
    # when the kiosk shows the next code and the apprentice clocks out
    kiosk.wait_for_function(
        "old => document.querySelector('[data-testid=kiosk-code]').textContent.trim() !== old",
        arg=first_code,
        timeout=45_000,
    )
    phone.fill("[data-testid=clock-code]", _kiosk_code(kiosk))
    with phone.expect_navigation():
        phone.click("[data-testid=clock-out]")
    assert "下班打卡成功" in phone.inner_text(".messages")
    # when the mentor attests the day on their phone
    mentor = login(new_page(viewport=PHONE), world.mentor)
    mentor.goto(f"{live_server.url}/mentor/attendance/")
    with mentor.expect_navigation():
        mentor.click("[data-testid=attest-all]")
    assert mentor.inner_text("[data-testid=period-status]").strip() == "师傅已确认"
    # then the apprentice sees the day attested
    phone.goto(f"{live_server.url}/me/clock/")
    assert phone.inner_text("[data-testid=period-status]").strip() == "师傅已确认"
    # when the apprentice writes this week's journal on the phone (the week is preset to this week)
    phone.goto(f"{live_server.url}/me/journals/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone, no sideways scroll
    phone.select_option("[data-testid=journal-kind]", "weekly")
    phone.fill("[data-testid=journal-tasks]", "设备点检\n工位整理")
    phone.fill("[data-testid=journal-hours]", "8")
    phone.fill("[data-testid=journal-learned]", "学会了设备点检的顺序")
    with phone.expect_navigation():
        phone.click("[data-testid=journal-submit]")
    assert "已提交" in phone.inner_text(".messages")
    assert phone.inner_text("[data-testid=journal-status]").strip() == "待批阅"
    screenshot(phone, "journals-phone-written")
    entry = JournalEntry.objects.get()
    assert entry.tasks == ["设备点检", "工位整理"] and entry.kind == "weekly"
    # when the teacher comments on it from the review page
    desk = login(new_page(), teacher)
    desk.goto(f"{live_server.url}/journals/review/")
    card = desk.locator("[data-testid=review-entry]")
    assert card.count() == 1
    card.locator("[data-testid=review-comment]").fill("记录清楚，注意总结问题。")
    with desk.expect_navigation():
        card.locator("[data-testid=review-comment-submit]").click()
    assert "已批阅" in desk.inner_text(".messages")
    # then the apprentice reads the teacher's comment on the phone
    phone.goto(f"{live_server.url}/me/journals/")
    assert phone.inner_text("[data-testid=journal-comment]").strip() == "记录清楚，注意总结问题。"
    assert "指导教师" in phone.inner_text("[data-testid=journal-review]")
    screenshot(phone, "journals-phone-comment")
    assert entry.reviews.get().action == ReviewAction.COMMENT
    assert phone.evaluate("window.__csp") == []
