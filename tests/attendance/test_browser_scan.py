"""Scanning the kiosk's QR with the phone's camera: Chromium's fake camera plays a video of the QR code (Debian's
Chromium has no BarcodeDetector, so the vendored jsQR reads it)."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qrcode
from django.utils import timezone

from backend.attendance import selectors, totp
from backend.attendance.models import PunchKind, WorkPeriod
from tests.portal.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, screenshot

from .conftest import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def write_y4m(path: Path, text: str, size: int = 480, frames: int = 5) -> Path:
    """A few frames of a QR code as a raw YUV 4:2:0 video, the format Chromium's fake camera plays."""
    image = qrcode.make(text, border=4).get_image().convert("L").resize((size, size))
    luma = image.tobytes()
    chroma = bytes([128]) * (size // 2) * (size // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


@pytest.fixture
def camera_page(tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    def launch(video: Path) -> Any:
        args = [
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        opened.append(browser)
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        context.set_default_timeout(15_000)
        return context.new_page()

    opened: list[Any] = []
    with sync_playwright() as playwright:
        yield launch
        for browser in opened:
            browser.close()


def test_the_apprentice_clocks_in_by_scanning_the_kiosks_qr(live_server, camera_page, login, tmp_path):
    # given the code of a fresh step (the scan must happen while it is valid)
    world = make_world()
    if totp.seconds_left(timezone.now()) < 20:
        time.sleep(totp.seconds_left(timezone.now()))  # the kiosk's clock: wait for the next code
    now = timezone.now()
    kiosk = selectors.kiosk_code(site=world.site, now=now, clock_url=f"{live_server.url}/me/clock/")
    video = write_y4m(tmp_path / "kiosk-qr.y4m", kiosk.payload)
    page = login(camera_page(video), world.student)
    page.goto(f"{live_server.url}/me/clock/")
    assert page.evaluate("typeof BarcodeDetector") == "undefined"  # jsQR does the reading here
    # when the apprentice taps 扫码 and holds the phone to the kiosk
    with page.expect_navigation(timeout=20_000):
        page.click("[data-testid=clock-scan]")
    # then the scanned code clocked them in
    assert "上班打卡成功" in page.inner_text(".messages")
    screenshot(page, "attendance-phone-scanned")
    period = WorkPeriod.objects.get()
    assert period.clock_in.kind == PunchKind.IN and period.clock_in.step == kiosk.step
