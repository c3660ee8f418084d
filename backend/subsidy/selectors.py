"""Reads on the subsidy, always narrowed to what the user may see."""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from backend.accounts.scoping import scope_queryset
from backend.core.clock import RULES_ZONE

from .models import Claim, ClaimEvent, ClaimStatus, PilotBudget

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


# ------------------------------------------------------------------------------------------- as of a past instant
# A claim's state at an instant, read from its timestamps (accrued_at, approved_at, paid_at, reversed_at) and, for
# holds, from its last hold/release event before the instant: what a monthly statement reports "as of month end".
HOLD_ACTIONS = ("hold", "release", "hold_reasons")


def month_end(month: datetime.date) -> datetime.datetime:
    """The instant the month ends in the rules' zone (the first moment of the next month), timezone-aware."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return datetime.datetime.combine(following, datetime.time(0), tzinfo=RULES_ZONE)


def _as_of_figures(until: datetime.datetime, amount: str) -> dict[str, Any]:
    reversed_ = Q(reversed_at__lt=until)
    live = ~reversed_
    approved = live & Q(approved_at__lt=until)
    paid = live & Q(paid_at__lt=until)
    open_ = live & ~Q(paid_at__lt=until)
    held = open_ & Q(last_hold_action__in=["hold", "hold_reasons"])
    return {
        "granted": Sum(amount, filter=live),
        "granted_count": Count("id", filter=live),
        "approved": Sum(amount, filter=approved),
        "paid": Sum(amount, filter=paid),
        "reversed": Sum(amount, filter=reversed_),
        "reversed_count": Count("id", filter=reversed_),
        "held": Sum(amount, filter=held),
        "held_count": Count("id", filter=held),
        "waiting": Sum(amount, filter=open_ & ~Q(approved_at__lt=until) & ~held),
    }


def claims_as_of(claims: QuerySet[Claim], until: datetime.datetime) -> QuerySet[Claim]:
    """The claims accrued before `until`, each annotated with its last hold action before it."""
    last = ClaimEvent.objects.filter(claim=OuterRef("pk"), action__in=HOLD_ACTIONS, at__lt=until).order_by(
        "-at", "-id"
    )
    return claims.filter(accrued_at__lt=until).annotate(last_hold_action=Subquery(last.values("action")[:1]))


def company_statement_figures(*, company_id: int, until: datetime.datetime) -> dict[str, Any]:
    """A company's subsidy figures as they stood at `until`: totals, each mentor's reward, and the claims held."""
    claims = claims_as_of(Claim.objects.filter(company_id=company_id), until)
    totals = _unprefix(claims.aggregate(**{f"t_{k}": v for k, v in _as_of_figures(until, "amount").items()}))
    live = Q(reversed_at__isnull=True) | Q(reversed_at__gte=until)
    mentors = (
        claims.filter(live)
        .order_by()
        .values("mentor__name")
        .annotate(total=Sum("mentor_amount"), paid=Sum("mentor_amount", filter=Q(paid_at__lt=until)))
        .order_by("mentor__name")
    )
    held = (
        claims.filter(live & Q(last_hold_action__in=["hold", "hold_reasons"]))
        .exclude(paid_at__lt=until)
        .select_related("student")
        .order_by("accrued_at", "id")
    )
    return {
        "totals": totals,
        "mentors": [
            {"name": m["mentor__name"], "total": m["total"], "paid": m["paid"] or ZERO} for m in mentors
        ],
        "held": list(held),
    }


def company_ids_with_claims(*, until: datetime.datetime) -> list[int]:
    """The companies that had a claim accrued before `until`: those a monthly statement goes to."""
    return sorted(set(Claim.objects.filter(accrued_at__lt=until).values_list("company_id", flat=True)))
