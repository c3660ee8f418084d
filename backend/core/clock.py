"""The one clock of the backend: the rules' time zone and "today" there.

Rules and money maths are pure functions that take `as_of`/`now`; only the edges (API, task, command) read the time,
through these functions, so a test freezes one clock (time-machine) and every service sees the same instant.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

# The working-time rules, the statutory calendar and every "today" are in Asia/Shanghai (docs/domain.md).
RULES_ZONE = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    """The current instant, timezone-aware (UTC)."""
    return timezone.now()


def local_now() -> dt.datetime:
    """The current instant in the rules' zone."""
    return timezone.now().astimezone(RULES_ZONE)


def local_today() -> dt.date:
    """Today's date in the rules' zone."""
    return local_now().date()


def local_date(instant: dt.datetime) -> dt.date:
    """The calendar day of an aware instant in the rules' zone."""
    return instant.astimezone(RULES_ZONE).date()
