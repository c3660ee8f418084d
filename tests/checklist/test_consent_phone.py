"""The guardian signs the consent form on a phone (390x844, touch) from the SMS link, in Chinese and in English;
the coordinator's bulk page fits a 1366-wide screen with the table scrolling inside itself."""

from __future__ import annotations

import pytest

from backend.checklist.services import consent_documents_send
from backend.signing.models import Signature
from tests.checklist.test_consent_document import adult_with_guardian
from tests.portal.conftest import PHONE, browser, login, new_page, screenshot  # noqa: F401  (fixtures)
from tests.signing.conftest import NOW, last_code, last_link, sealing_cert, signing_settings  # noqa: F401
from tests.signing.helpers import committed, sign_by_link
from tests.signing.test_signature_pad_browser import touch_draw

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_guardian_signs_the_consent_form_on_a_phone(live_server, browser, locale):  # noqa: F811
    # given: the form is out and the student has signed; the guardian's SMS has the link
    placement, guardian, coordinator = adult_with_guardian()
    committed(
        lambda: consent_documents_send(
            actor=coordinator, pilot=placement.pilot, placements=[placement], now=NOW
        )
    )
    sign_by_link(placement.student.phone, "王小红")
    request_id, token = last_link(guardian.phone)
    context = browser.new_context(viewport=PHONE, locale=locale, has_touch=True, is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        # when: the guardian opens it on the phone, asks for the code, types the name, draws and signs
        page.goto(f"{live_server.url}/sign/{request_id}/{token}")
        assert "学生实习知情同意书" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
        page.click("[data-testid=send-code]")
        page.wait_for_selector("[data-testid=code-sent]")
        page.fill("[data-testid=sign-form] input[name=code]", last_code(guardian.phone))
        page.fill("[data-testid=sign-form] input[name=typed_name]", "王建华")
        page.check("[data-testid=sign-form] input[name=agreed]")
        touch_draw(page)
        screenshot(page, f"consent-guardian-phone-{locale}")
        page.click("[data-testid=sign]")
        page.wait_for_selector("[data-testid=signing-done]")
    finally:
        context.close()

    # then: the guardian's signature is recorded with the drawing
    signature = Signature.objects.get(party="guardian")
    assert signature.typed_name == "王建华" and len(bytes(signature.drawing_png)) > 0


def test_the_bulk_page_fits_a_laptop_and_a_phone(live_server, new_page, login):  # noqa: F811
    placement, _guardian, coordinator = adult_with_guardian()
    committed(
        lambda: consent_documents_send(
            actor=coordinator, pilot=placement.pilot, placements=[placement], now=NOW
        )
    )
    for viewport, locale in (({"width": 1366, "height": 900}, "zh-CN"), (PHONE, "en-US")):
        page = login(new_page(viewport=viewport, locale=locale), coordinator)
        page.goto(f"{live_server.url}/school/checklist/consent/new?pilot={placement.pilot.pk}")
        assert page.locator("[data-testid=send-online]").is_visible()
        assert page.locator(f"[data-testid=consent-{placement.pk}]").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"consent-bulk-{viewport['width']}")
