"""The signature pad on a phone (390x844, touch) in Debian's Chromium: a student draws on the SMS-link page."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from backend.signing.models import Signature
from backend.signing.services import signing_send
from tests.portal.conftest import PHONE, browser, screenshot  # noqa: F401  (browser is a fixture)
from tests.signing.conftest import NOW, last_code, last_link
from tests.signing.helpers import committed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def touch_draw(page, selector: str = "[data-testid=signature-canvas]") -> None:
    """Strokes with a finger: real touch events through the DevTools protocol (Chromium makes them pointer events)."""
    canvas = page.locator(selector)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cdp = page.context.new_cdp_session(page)
    for stroke in range(2):
        x0, y0 = box["x"] + box["width"] * (0.15 + 0.4 * stroke), box["y"] + box["height"] * 0.3
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
        for step in range(1, 21):
            point = {"x": x0 + step * box["width"] * 0.015, "y": y0 + (step % 5) * box["height"] * 0.1}
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_a_student_draws_the_signature_with_a_finger_on_a_phone(cast, live_server, browser):  # noqa: F811
    # given: the agreement is out; the student opens the link from the text message on a phone
    committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))
    request_id, token = last_link(cast.student.phone)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/sign/{request_id}/{token}")
        page.click("[data-testid=send-code]")
        page.wait_for_selector("[data-testid=code-sent]")
        page.fill("[data-testid=sign-form] input[name=code]", last_code(cast.student.phone))
        page.fill("[data-testid=sign-form] input[name=typed_name]", "李小明")
        page.check("[data-testid=sign-form] input[name=agreed]")

        # when: signing with an empty pad
        page.click("[data-testid=sign]")

        # then: the page says so and nothing is submitted
        assert page.locator("[data-signature-error]").is_visible()
        assert "手写签名" in page.locator("[data-signature-error]").inner_text()
        assert Signature.objects.count() == 0

        # when: the student draws with a finger, and signs
        touch_draw(page)
        box = page.locator("[data-testid=signature-canvas]").bounding_box()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
        assert box["width"] >= 300  # the pad takes the phone's width
        screenshot(page, "signature-pad-phone-drawn")
        page.click("[data-testid=sign]")
        page.wait_for_selector("[data-testid=signing-done]")
        screenshot(page, "signature-pad-phone-done")
    finally:
        context.close()

    # then: the drawing is stored with the signature, as a PNG with ink on it
    signature = Signature.objects.get(party="student")
    drawn = Image.open(io.BytesIO(bytes(signature.drawing_png)))
    assert drawn.format == "PNG"
    assert 100 <= drawn.width <= 800 and drawn.height >= 40
    alpha = drawn.getchannel("A")
    assert alpha.point(lambda value: 255 if value > 64 else 0).histogram()[255] > 200
