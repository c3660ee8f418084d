"""The working day in a real browser: a kiosk in one context, the apprentice's phone (390x844) in another, then
the mentor's phone."""

import pytest

from backend.attendance.models import PeriodStatus, WorkPeriod
from backend.rules.models import Shift, ShiftKind
from tests.factories.accounts import HrFactory
from tests.portal.conftest import PHONE, screenshot

from .conftest import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _kiosk_code(kiosk):
    return kiosk.inner_text("[data-testid=kiosk-code]").strip()


def test_clock_in_and_out_from_the_kiosk_code_and_the_mentor_attests_the_day(live_server, new_page, login):
    # given an apprentice placed at a work site today, the company's HR and the mentor
    world = make_world()
    hr = HrFactory(company=world.placement.post.company)
    # the kiosk by the door (HR opens it on the tablet)
    kiosk = login(new_page(), hr)
    kiosk.goto(f"{live_server.url}/attendance/kiosk/{world.site.pk}/")
    first_code = _kiosk_code(kiosk)
    assert len(first_code) == 6 and first_code.isdigit()
    assert kiosk.locator("[data-testid=kiosk-qr]").evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(kiosk, "attendance-kiosk")
    # when the apprentice types the code on the phone
    phone = login(new_page(viewport=PHONE), world.student)
    phone.goto(f"{live_server.url}/me/clock/")
    phone.fill("[data-testid=clock-code]", first_code)
    with phone.expect_navigation():
        phone.click("[data-testid=clock-in]")
    # then the phone says so and offers the clock-out
    assert "上班打卡成功" in phone.inner_text(".messages")
    assert phone.locator("[data-testid=clock-out]").is_visible()
    screenshot(phone, "attendance-phone-clocked-in")
    # when the kiosk shows the next code (it refreshes itself every 30 seconds) and the apprentice clocks out
    kiosk.wait_for_function(
        "old => document.querySelector('[data-testid=kiosk-code]').textContent.trim() !== old",
        arg=first_code,
        timeout=45_000,
    )
    second_code = _kiosk_code(kiosk)
    phone.fill("[data-testid=clock-code]", second_code)
    with phone.expect_navigation():
        phone.click("[data-testid=clock-out]")
    assert "下班打卡成功" in phone.inner_text(".messages")
    assert phone.inner_text("[data-testid=period-status]").strip() == "待师傅确认"
    # when the mentor attests the day on their phone
    mentor = login(new_page(viewport=PHONE), world.mentor)
    mentor.goto(f"{live_server.url}/mentor/attendance/")
    assert mentor.locator("[data-testid=mentor-period]").count() == 1
    with mentor.expect_navigation():
        mentor.click("[data-testid=attest-all]")
    assert mentor.inner_text("[data-testid=period-status]").strip() == "师傅已确认"
    screenshot(mentor, "attendance-mentor-attested")
    # then the apprentice sees the day attested, and the rules have the actual shift
    phone.goto(f"{live_server.url}/me/clock/")
    assert phone.inner_text("[data-testid=period-status]").strip() == "师傅已确认"
    screenshot(phone, "attendance-phone-attested")
    period = WorkPeriod.objects.get()
    assert period.status == PeriodStatus.ATTESTED
    assert Shift.objects.get(kind=ShiftKind.ACTUAL).attendance_period == period
