"""Reads on the subsidy, always narrowed to what the user may see."""

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from backend.accounts.scoping import scope_queryset

from .models import Claim, ClaimStatus, PilotBudget

ZERO = Decimal("0.00")
LIVE = Q(status__in=[ClaimStatus.ACCRUED, ClaimStatus.APPROVED, ClaimStatus.PAID])
OPEN = Q(status__in=[ClaimStatus.ACCRUED, ClaimStatus.APPROVED])

# Report dimension -> (group key, label field)
DIMENSIONS: dict[str, tuple[str, str]] = {
    "pilot": ("pilot_id", "pilot__name"),
    "school": ("pilot__school_id", "pilot__school__name"),
    "company": ("company_id", "company__name"),
    "mentor": ("mentor_id", "mentor__name"),
    "year": ("budget_year", "budget_year"),
}


def claim_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Claim]:
    qs = Claim.objects.select_related(
        "pilot__school", "student", "company", "mentor", "assessment", "batch", "placement__post"
    )
    qs = scope_queryset(user, qs)
    return qs.filter(**(filters or {})).order_by("accrued_at", "id")


def _aggregates(amount: str) -> dict[str, Any]:
    """Named with a prefix: an annotation called "held" would shadow the field `held` in the filters."""
    return {f"t_{k}": v for k, v in _figures(amount).items()}


def _figures(amount: str) -> dict[str, Any]:
    return {
        "granted": Sum(amount, filter=LIVE),
        "granted_count": Count("id", filter=LIVE),
        "approved": Sum(amount, filter=Q(status__in=[ClaimStatus.APPROVED, ClaimStatus.PAID])),
        "paid": Sum(amount, filter=Q(status=ClaimStatus.PAID)),
        "reversed": Sum(amount, filter=Q(status=ClaimStatus.REVERSED)),
        "reversed_count": Count("id", filter=Q(status=ClaimStatus.REVERSED)),
        "held": Sum(amount, filter=OPEN & Q(held=True)),
        "held_count": Count("id", filter=OPEN & Q(held=True)),
        "waiting": Sum(amount, filter=Q(status=ClaimStatus.ACCRUED, held=False)),
    }


MONEY_KEYS = ("granted", "approved", "paid", "reversed", "held", "waiting")


def claim_totals(claims: QuerySet[Claim], amount: str = "amount") -> dict[str, Any]:
    row = claims.aggregate(**_aggregates(amount))
    return _unprefix(row)


def claim_totals_grouped(
    claims: QuerySet[Claim], *, key: str, label: str, amount: str = "amount"
) -> list[dict[str, Any]]:
    """claim_totals per group (pilot, mentor, ...), in one grouped query, ordered by label."""
    rows = claims.order_by().values(key, label).annotate(**_aggregates(amount)).order_by(label)
    return [{"key": row[key], "label": str(row[label]), **_unprefix(row)} for row in rows]


def _unprefix(row: dict[str, Any]) -> dict[str, Any]:
    figures = {k[2:]: v for k, v in row.items() if k.startswith("t_")}
    return {k: (v or ZERO) if k in MONEY_KEYS else v for k, v in figures.items()}


def subsidy_report(*, user: Any, by: str, year: int | None = None) -> list[dict[str, Any]]:
    """Granted, approved, paid, reversed, held (and budget left, where a budget applies) per pilot, school,
    company, mentor or year. The mentor report counts the mentor's reward (带徒师傅奖励), the others the whole grant."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    key, label = DIMENSIONS[by]
    claims = claim_list(user=user)
    if year:
        claims = claims.filter(budget_year=year)
    amount = "mentor_amount" if by == "mentor" else "amount"
    rows = list(claims.values(key, label).annotate(**_aggregates(amount)).order_by(label))
    budgets: dict[Any, Decimal] = {}
    if by in ("pilot", "school", "year"):
        budget_key = {"pilot": "pilot_id", "school": "pilot__school_id", "year": "year"}[by]
        visible = scope_queryset(user, PilotBudget.objects.all())
        if year:
            visible = visible.filter(year=year)
        for b in visible.values(budget_key).annotate(total=Sum("amount")):
            budgets[b[budget_key]] = b["total"]
    result = []
    for row in rows:
        item: dict[str, Any] = {
            "key": row[key],
            "label": str(row[label]),
            **_unprefix(row),
        }
        if by in ("pilot", "school", "year"):
            budget = budgets.get(row[key])
            item["budget"] = budget
            item["budget_left"] = None if budget is None else budget - item["approved"]
        result.append(item)
    return result
