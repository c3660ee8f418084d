"""The student's ranking page in a real browser at 390x844: rank three posts, change the order, save, see it."""

from __future__ import annotations

import datetime

import pytest

from backend.core.clock import local_today
from backend.matching.models import StudentPreference
from tests.factories.accounts import StudentUserFactory
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.matching import RankingRoundFactory
from tests.matching.world import make_world
from tests.portal.conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _order(page) -> list[str]:
    return page.locator("[data-testid=ranked] header strong").all_inner_texts()


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_student_ranks_three_posts_on_the_phone_and_changes_the_order(live_server, new_page, login):
    # given an open round with four posts
    world = make_world(n_students=1, post_capacities=(1, 2))
    for title in ("装配工", "质检员"):
        post = PostFactory(company=world.company, title=title, capacity=2, staff_on_post=50)
        MentorFactory(company=world.company, post=post)
    today = local_today()
    RankingRoundFactory(
        pilot=world.pilot,
        closes_on=today + datetime.timedelta(days=7),
        start_date=today + datetime.timedelta(days=60),
    )
    student = StudentUserFactory(student=world.students[0])
    page = login(new_page(viewport=PHONE), student)

    # when: from the dashboard, add three posts, move the third to the top, save
    with page.expect_navigation():
        page.click("[data-testid=ranking-link] a")
    _no_sideways_scroll(page)
    titles = []
    for _ in range(3):
        card = page.locator("[data-testid=open-post]").first
        titles.append(card.locator("header strong").inner_text())
        with page.expect_navigation():
            card.locator("[data-testid=add]").click()
    assert _order(page) == titles
    for _ in range(2):
        with page.expect_navigation():
            page.locator("[data-testid=ranked]").nth(2 if _ == 0 else 1).locator("[data-testid=up]").click()
    assert _order(page) == [titles[2], titles[0], titles[1]]
    assert page.locator("[data-testid=ranking-unsaved]").count() == 1
    screenshot(page, "ranking-phone-draft")
    with page.expect_navigation():
        page.click("[data-testid=ranking-save]")

    # then the saved list is shown and stored in that order
    assert page.locator(".flash.success").count() == 1
    assert _order(page) == [titles[2], titles[0], titles[1]]
    stored = list(
        StudentPreference.objects.filter(student=world.students[0])
        .order_by("rank")
        .values_list("post__company__name", "post__title")
    )
    assert [f"{c} · {t}" for c, t in stored] == [titles[2], titles[0], titles[1]]

    # when the order is changed again (the first moves down) and saved
    with page.expect_navigation():
        page.locator("[data-testid=ranked]").first.locator("[data-testid=down]").click()
    with page.expect_navigation():
        page.click("[data-testid=ranking-save]")

    # then
    assert _order(page) == [titles[0], titles[2], titles[1]]
    assert StudentPreference.objects.filter(student=world.students[0]).count() == 3
    _no_sideways_scroll(page)
    screenshot(page, "ranking-phone-saved")
