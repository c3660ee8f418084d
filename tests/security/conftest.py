"""The browser fixtures of the portal's tests (Debian's Chromium through Playwright)."""

from tests.portal.conftest import browser, login, new_page  # noqa: F401
