"""Part of the year through the portal in a real browser, on the demo data (`seed_demo`), no API call, no factory.

Done so far: HR plans one week for all its apprentices at once and copies it to the next week; the bureau pays an
approved claim under a payment reference and sees the budget rule refuse an accrued claim the budget cannot cover.
The front half of issue 12's journey (roster, matching, agreements, signing, seal) is not written yet.
Screenshots of every step land in var/test-artifacts/journey/ (printed at the end); the same steps run once more
in English."""

import datetime
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from backend.accounts.models import User
from backend.core.clock import local_today
from backend.demo.data import DEMO_PASSWORD
from backend.placements.models import PlacementStatus
from backend.rules.models import Shift, ShiftKind
from backend.subsidy.models import Claim, ClaimStatus

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "journey"


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, live_server, username, language="zh-hans"):
    """One function for logging in a demo user and choosing the page's language."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if language != "zh-hans":
        with page.expect_navigation():
            page.select_option("[data-testid=language]", language)
    return page


def _free_monday(placements):
    """A Monday at least three weeks ahead with nothing planned yet for these apprentices, inside their periods."""
    day = local_today() + datetime.timedelta(weeks=3)
    monday = day - datetime.timedelta(days=day.isoweekday() - 1)
    while Shift.objects.filter(
        placement__in=placements,
        start_at__date__gte=monday,
        start_at__date__lt=monday + datetime.timedelta(days=14),
    ).exists():
        monday += datetime.timedelta(weeks=1)
    assert all(
        p.start_date <= monday and monday + datetime.timedelta(days=13) <= p.end_date for p in placements
    )
    return monday


def seed_demo():
    """seed_demo seals PDFs with pyHanko, whose synchronous API calls asyncio.run(): run it on a thread of its own,
    away from Playwright's event loop on the test thread (the test database is shared: transaction=True)."""
    errors = []

    def run():
        try:
            call_command("seed_demo")
        except BaseException as exc:  # re-raised on the test thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


BUDGET_REFUSAL = {"zh-hans": "年度预算不足", "en": "budget is exhausted"}
PAID = {"zh-hans": "已拨付", "en": "Paid"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_hr_plans_and_copies_a_week_and_the_bureau_pays(live_server, new_page, language):
    seed_demo()

    def shot(page, name):
        _shot(page, f"{language}-{name}")

    claim = (
        Claim.objects.filter(status=ClaimStatus.APPROVED).select_related("placement__post__company").first()
    )
    assert claim is not None, "the demo data has an approved claim"
    hr = User.objects.get(role="hr", company=claim.placement.post.company)
    live = list(claim.placement.post.company.posts.first().placements.filter(status__in=PlacementStatus.LIVE))
    monday = _free_monday(live)

    # HR: one week for every apprentice at once
    page = sign_in(new_page(), live_server, hr.username, language)
    page.goto(f"{live_server.url}/company/shifts/")
    shot(page, "01-hr-shifts")
    page.click("[data-testid=shift-bulk-link]")
    page.fill("input[name=week]", monday.isoformat())
    for box in page.locator("input[name=placements]").all():
        box.check()
    for day in range(1, 6):
        page.fill(f"input[name=start_{day}]", "09:00")
        page.fill(f"input[name=end_{day}]", "17:00")
    with page.expect_navigation():
        page.click("[data-testid=bulk-submit]")
    results = page.locator("[data-testid=bulk-results] tbody tr")
    assert results.count() == len(page.locator("input[name=placements]").all()) >= 1
    shot(page, "02-hr-bulk-week")
    planned = Shift.objects.filter(
        placement=claim.placement, kind=ShiftKind.PLANNED, start_at__date__gte=monday
    )
    stored = planned.count()
    assert stored in (0, 5)  # all or nothing per apprentice; a refusal is listed on the page with its rule

    # HR: copy that week of this apprentice to the next week
    page.goto(f"{live_server.url}/company/shifts/{claim.placement.pk}/?week={monday.isoformat()}")
    if stored:
        page.click("[data-testid=copy-submit]")
        page.wait_for_selector("[data-testid=copy-saved], [data-testid=copy-refused]")
        shot(page, "03-hr-copy-week")
        assert planned.count() > stored

    # Bureau: pay the approved claim; the accrued one is beyond the budget and waits, with the reason shown
    page = sign_in(new_page(), live_server, "bureau", language)
    page.click("[data-testid=bureau-subsidy-link]")
    shot(page, "04-bureau-subsidy")
    accrued = Claim.objects.filter(status=ClaimStatus.ACCRUED, held=False).first()
    if accrued is not None:
        with page.expect_navigation():
            page.locator("[data-testid=claim-approve]").first.click()
        # BUDGET_EXHAUSTED: it waits in order, the reason in the page's language
        assert BUDGET_REFUSAL[language] in page.locator(".flash").first.inner_text()
        assert Claim.objects.get(pk=accrued.pk).status == ClaimStatus.ACCRUED
        shot(page, "05-bureau-approve")
    for box in page.locator("[data-testid=pay-form] input[name=claims]").all():
        if box.get_attribute("value") != str(claim.pk):
            box.uncheck()
    page.fill("input[name=reference]", "CZ-JOURNEY-001")
    with page.expect_navigation():
        page.click("[data-testid=pay-submit]")
    flash = page.locator(".flash").first.inner_text()
    assert "CZ-JOURNEY-001" in flash and PAID[language] in flash
    shot(page, "06-bureau-paid")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and claim.batch.reference == "CZ-JOURNEY-001"
    print(f"\njourney screenshots: {ARTIFACTS}")
