"""The dashboards' figures that come from the feature apps (agreements, rules, subsidy).

Each function returns a Series, or None while the app that owns the figure is not installed: the page then says
"not available yet" instead of failing. The apps' own selectors do the counting; this module only adapts.
"""

from typing import Any

from django.utils.translation import gettext as _

from backend.accounts.scoping import scope_queryset
from backend.portal.access import feature
from backend.portal.selectors import Series


def agreements_awaiting_by_party(user: Any) -> Series | None:
    """Agreements out for signing whose turn it is of each party (student, guardian, company, school)."""
    if not (feature("agreements") and feature("signing")):
        return None
    from django.db.models import Count

    from backend.signing.models import Party, RequestStatus, SignatureRequest

    counts = dict(
        scope_queryset(user, SignatureRequest.objects.filter(status=RequestStatus.PENDING))
        .values_list("party")
        .annotate(n=Count("id"))
        .values_list("party", "n")
    )
    series = Series()
    for party in Party:
        series.keys.append(party.value)
        series.labels.append(str(party.label))
        series.values.append(counts.get(party.value, 0))
    return series


def signatures_awaiting_own_party(user: Any) -> Series | None:
    """Requests whose turn it is of the user's own organisation (HR: the company; the coordinator: the school)."""
    if not feature("signing"):
        return None
    from backend.signing.selectors import signature_requests_awaiting

    return Series(
        keys=["own"], labels=[str(_("待本单位签署"))], values=[signature_requests_awaiting(user=user).count()]
    )


def _open_violations(user: Any) -> Any:
    from backend.rules.models import ViolationStatus
    from backend.rules.selectors import violation_list

    return violation_list(user=user).filter(status=ViolationStatus.OPEN)


def open_violations_by_rule(user: Any) -> Series | None:
    """Open violations per rule code (labelled with the rule's short name), most frequent first."""
    if not feature("rules"):
        return None
    from django.db.models import Count

    from backend.portal.rules_labels import rule_label

    rows = _open_violations(user).values("rule_code").annotate(n=Count("id")).order_by("-n", "rule_code")
    return Series(
        keys=[r["rule_code"] for r in rows],
        labels=[rule_label(r["rule_code"]) for r in rows],
        values=[r["n"] for r in rows],
    )


def open_violations_by_company(user: Any) -> Series | None:
    if not feature("rules"):
        return None
    from django.db.models import Count

    rows = (
        _open_violations(user)
        .values("placement__post__company_id", "placement__post__company__name")
        .annotate(n=Count("id"))
        .order_by("-n", "placement__post__company__name")
    )
    return Series(
        keys=[str(r["placement__post__company_id"]) for r in rows],
        labels=[r["placement__post__company__name"] for r in rows],
        values=[r["n"] for r in rows],
    )


def subsidy_totals(claims: Any, amount: str = "amount") -> dict[str, Any]:
    """Granted, approved, paid, reversed and held sums (yuan, Decimal) and head-counts of a scoped claim queryset."""
    from backend.subsidy.selectors import claim_totals

    return claim_totals(claims, amount)


def subsidy_grouped(claims: Any, *, key: str, label: str, amount: str = "amount") -> list[dict[str, Any]]:
    """subsidy_totals per group (pilot, mentor, ...), ordered by label, in one query."""
    from backend.subsidy.selectors import claim_totals_grouped

    return claim_totals_grouped(claims, key=key, label=label, amount=amount)


def subsidy_this_year(user: Any, *, year: int) -> Series | None:
    """Granted (accrued, not reversed) and paid this budget year, in yuan; the headline is the granted sum."""
    if not feature("subsidy"):
        return None
    from backend.subsidy.selectors import claim_list

    totals = subsidy_totals(claim_list(user=user).filter(budget_year=year))
    return Series(
        keys=["granted", "paid"],
        labels=[str(_("已核定")), str(_("已拨付"))],
        values=[totals["granted"], totals["paid"]],
        headline=totals["granted"],
    )


def subsidy_by_pilot(user: Any) -> list[dict[str, Any]] | None:
    if not feature("subsidy"):
        return None
    from backend.placements.models import PilotProject
    from backend.subsidy.selectors import claim_list

    rows = subsidy_grouped(claim_list(user=user), key="pilot_id", label="pilot__name")
    schools = dict(
        scope_queryset(user, PilotProject.objects.filter(pk__in=[r["key"] for r in rows])).values_list(
            "pk", "school__name"
        )
    )
    return [{"pilot": r["label"], "school": schools.get(r["key"], ""), **r} for r in rows]
