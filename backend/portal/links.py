"""The list behind each figure of a dashboard: every number on a dashboard links to the rows it counts."""

from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from backend.portal.selectors import Series


def url(name: str, **query: Any) -> str:
    """The URL of a portal page with a query string, or "" when the page is not installed."""
    try:
        base = reverse(name)
    except NoReverseMatch:
        return ""
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{base}?{urlencode(query)}" if query else base


def school_dashboard(
    *, placements: Series, agreements: Series | None, violations: Series | None, subsidy: Series | None
) -> None:
    placements.link(
        lambda status: url("portal:school-placements", status=status), url("portal:school-placements")
    )
    if agreements is not None:
        agreements.link(
            lambda party: (
                url("portal:signing-inbox")
                if party == "school"
                else url("portal:school-agreements", awaiting=party)
            ),
            url("portal:school-agreements", status="signing"),
        )
    if violations is not None:
        violations.link(
            lambda code: url("portal:school-violations", rule_code=code), url("portal:school-violations")
        )
    if subsidy is not None:
        subsidy.link(lambda _key: url("portal:school-subsidy"), url("portal:school-subsidy"))


def company_dashboard(*, placements: Series, violations: Series | None, awaiting: Series | None) -> None:
    placements.link(
        lambda status: url("portal:company-placements", status=status), url("portal:company-placements")
    )
    if violations is not None:
        violations.link(
            lambda code: url("portal:company-violations", rule_code=code), url("portal:company-violations")
        )
    if awaiting is not None:
        awaiting.link(lambda _key: url("portal:signing-inbox"), url("portal:signing-inbox"))


def bureau_dashboard(*, placements: Series, by_rule: Series | None, by_company: Series | None) -> None:
    """The bureau reads tables on its own page: each figure links to its table."""
    placements.link(lambda _s: "#by-school", "#by-school")
    for series in (by_rule, by_company):
        if series is not None:
            series.link(lambda _k: "#violations", "#violations")
