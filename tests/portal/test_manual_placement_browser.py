"""手工新增岗位安排 in a real browser at 1366 wide: from the placements list, choose student, post and mentor, save,
land on the placement's page; the same form at a 390x844 phone fits without sideways scrolling."""

from __future__ import annotations

import pytest

from backend.placements.models import Placement, PlacementStatus
from tests.placements.manual_world import manual_world
from tests.portal.conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1366, "height": 900}


def test_the_coordinator_creates_a_placement_by_hand_at_1366(live_server, new_page, login):
    # given a school's pilot with a post, its mentor and a late-enrolled student
    world = manual_world()
    post, mentor, student = world["post"], world["mentor"], world["student"]
    coordinator = world["coordinator"]
    page = login(new_page(viewport=WIDE), coordinator)

    # when: from the placements list, open the form, fill it in and save
    page.goto(f"{live_server.url}/school/placements/")
    with page.expect_navigation():
        page.click("[data-testid=placement-new]")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
    page.select_option("select[name=student]", str(student.pk))
    page.select_option("select[name=post]", str(post.pk))
    page.select_option("select[name=mentor]", str(mentor.pk))
    page.fill("input[name=start_date]", "2026-09-01")
    page.fill("input[name=end_date]", "2027-01-31")
    page.fill("input[name=monthly_pay]", "4200")
    screenshot(page, "placement-manual-1366")
    with page.expect_navigation():
        page.click("[data-testid=manual-submit]")

    # then the placement's page shows it proposed, created by hand by the coordinator
    placement = Placement.objects.get(student=student)
    assert page.url.endswith(f"/school/placements/{placement.pk}/")
    assert placement.status == PlacementStatus.PROPOSED
    assert page.locator("[data-testid=placement-status]").inner_text() == "拟安排"
    assert "陈老师 · 手工创建" in page.locator("[data-testid=events]").inner_text()
    screenshot(page, "placement-manual-created")

    # and the form fits a phone
    phone = login(new_page(viewport=PHONE), coordinator)
    phone.goto(f"{live_server.url}/school/placements/new/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
