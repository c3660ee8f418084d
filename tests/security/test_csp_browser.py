"""The portal's own pages satisfy its Content-Security-Policy: Chromium reports no violation while they load,
draw their charts and switch language (the inline handler that did it is gone)."""

import pytest

from backend.placements.models import PlacementStatus
from tests.factories.accounts import CoordinatorFactory, HrFactory, StudentUserFactory
from tests.factories.placements import PlacementFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every violation the page sees, with the directive it broke.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || ""));
});
"""

PAGES = {
    "coordinator": [
        "/school/",
        "/school/pilots/",
        "/school/programs/",
        "/school/cohorts/",
        "/school/students/",
        "/school/placements/",
        "/school/roster/",
        "/school/agreements/",
        "/school/violations/",
        "/school/matching/",
        "/school/subsidy/",
    ],
    "hr": [
        "/company/",
        "/company/profile/",
        "/company/posts/",
        "/company/posts/new/",
        "/company/mentors/",
        "/company/placements/",
        "/company/agreements/",
        "/company/shifts/",
        "/company/violations/",
        "/company/subsidy/",
    ],
    "student": ["/me/", "/me/shifts/"],
}


@pytest.fixture
def world():
    placement = PlacementFactory(status=PlacementStatus.ACTIVE)
    return {
        "coordinator": CoordinatorFactory(school=placement.pilot.school),
        "hr": HrFactory(company=placement.post.company),
        "student": StudentUserFactory(student=placement.student, school=placement.student.school),
    }


def open_page(new_page):
    page = new_page()
    page.context.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    return page, console


def test_the_login_and_verify_pages_load_without_a_violation(live_server, new_page):
    page, console = open_page(new_page)
    for path in ("/accounts/login/", "/verify"):
        response = page.goto(f"{live_server.url}{path}")
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], path
    assert console == []


@pytest.mark.parametrize("role", ["coordinator", "hr", "student"])
def test_each_role_s_pages_load_without_a_violation(world, live_server, new_page, login, role):
    page, console = open_page(new_page)
    login(page, world[role])
    for path in PAGES[role]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], path
    assert console == []


def test_the_language_switch_works_without_an_inline_handler(world, live_server, new_page, login):
    page, console = open_page(new_page)
    login(page, world["coordinator"])
    page.wait_for_selector("canvas[data-drawn]")  # Chart.js drew under the policy
    with page.expect_navigation():
        page.select_option("[data-testid=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.evaluate("window.__csp") == []
    assert console == []
