# The browser fixtures (Debian's Chromium through Playwright) are the portal's.
from tests.portal.conftest import browser, login, new_page  # noqa: F401
