"""Reconciliation: proves that the ledger balances, that every claim's money sits where its status says, that every
paid yuan traces to a passed assessment, and that no budget was over-approved. Read-only; runs over everything."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum

from backend.assessments.models import AssessmentStatus

from .models import (
    AccountKind,
    Claim,
    ClaimStatus,
    DisbursementBatch,
    EntryKind,
    JournalEntry,
    JournalLine,
    PilotBudget,
)
from .services import STANDARD_EVENT

ZERO = Decimal("0.00")
LIMIT = 50


def expected_balances(claim: Claim) -> dict[str, Decimal]:
    """Debit minus credit per account kind that the claim's status implies."""
    a, m, c = claim.amount, claim.mentor_amount, claim.company_amount
    if claim.status == ClaimStatus.ACCRUED:
        expected = {AccountKind.EXPENSE: a, AccountKind.ACCRUED_MENTOR: -m, AccountKind.ACCRUED_COMPANY: -c}
    elif claim.status == ClaimStatus.APPROVED:
        expected = {AccountKind.EXPENSE: a, AccountKind.APPROVED_MENTOR: -m, AccountKind.APPROVED_COMPANY: -c}
    elif claim.status == ClaimStatus.PAID:
        expected = {AccountKind.EXPENSE: a, AccountKind.BANK: -a}
    elif claim.batch_id:  # reversed after payment: the company owes the money back
        expected = {AccountKind.RECEIVABLE: a, AccountKind.BANK: -a}
    else:
        expected = {}
    return {str(k): v for k, v in expected.items() if v != 0}


def _check(name: str, problems: list[Any], **figures: Any) -> dict[str, Any]:
    return {
        "name": name,
        "ok": not problems,
        "problems": problems[:LIMIT],
        "problem_count": len(problems),
        **figures,
    }


def reconcile() -> dict[str, Any]:
    checks = []

    # 1. The ledger balances: in total and entry by entry.
    totals = JournalLine.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
    debit, credit = totals["d"] or ZERO, totals["c"] or ZERO
    bad_entries = list(
        JournalEntry.objects.annotate(d=Sum("lines__debit"), c=Sum("lines__credit"), n=Count("lines"))
        .filter(Q(n__lt=2) | ~Q(d=F("c")))
        .values_list("pk", flat=True)
    )
    problems: list[Any] = [{"entry": pk} for pk in bad_entries]
    if debit != credit:
        problems.insert(0, {"total_debit": str(debit), "total_credit": str(credit)})
    checks.append(
        _check(
            "ledger_balanced",
            problems,
            total_debit=str(debit),
            total_credit=str(credit),
            entries=JournalEntry.objects.count(),
        )
    )

    # 2. Each claim's money is where its status says.
    actual: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in (
        JournalLine.objects.filter(entry__claim__isnull=False)
        .values("entry__claim_id", "account__kind")
        .annotate(d=Sum("debit"), c=Sum("credit"))
    ):
        value = (row["d"] or ZERO) - (row["c"] or ZERO)
        if value != 0:
            actual[row["entry__claim_id"]][row["account__kind"]] = value
    problems = []
    accrual_counts = dict(
        JournalEntry.objects.filter(kind=EntryKind.ACCRUAL)
        .values("claim_id")
        .annotate(n=Count("id"))
        .values_list("claim_id", "n")
    )
    claims = list(Claim.objects.all())
    for claim in claims:
        expected = expected_balances(claim)
        got = actual.get(claim.pk, {})
        if expected != got:
            problems.append(
                {
                    "claim": claim.pk,
                    "status": claim.status,
                    "expected": {k: str(v) for k, v in expected.items()},
                    "ledger": {k: str(v) for k, v in got.items()},
                }
            )
        if accrual_counts.get(claim.pk, 0) != 1:
            problems.append({"claim": claim.pk, "accrual_entries": accrual_counts.get(claim.pk, 0)})
    checks.append(_check("claims_match_ledger", problems, claims=len(claims)))

    # 3. Every paid yuan traces to a passed assessment (or, if it was revoked since, to a reversal and a receivable),
    # or to the training standard reached (the claim's training_standard event, backend.training).
    problems = []
    payments = JournalEntry.objects.filter(kind=EntryKind.PAYMENT).select_related(
        "claim__assessment", "batch"
    )
    paid_total = ZERO
    for entry in payments:
        paid_claim = entry.claim
        amount = entry.lines.filter(account__kind=AccountKind.BANK).aggregate(s=Sum("credit"))["s"] or ZERO
        paid_total += amount
        assessment = paid_claim.assessment if paid_claim else None
        if paid_claim is None or entry.batch_id is None or amount != paid_claim.amount:
            problems.append({"entry": entry.pk, "why": "payment without its claim, batch or amount"})
        elif assessment is None:
            if not paid_claim.events.filter(
                action=STANDARD_EVENT
            ).exists():  # earned by the training standard
                problems.append({"entry": entry.pk, "claim": paid_claim.pk, "why": "no assessment"})
        elif not (
            assessment.status == AssessmentStatus.PASSED
            or (assessment.status == AssessmentStatus.REVOKED and paid_claim.status == ClaimStatus.REVERSED)
        ):
            problems.append(
                {"entry": entry.pk, "claim": paid_claim.pk, "why": f"assessment {assessment.status}"}
            )
    bank_credit = (
        JournalLine.objects.filter(account__kind=AccountKind.BANK).aggregate(s=Sum("credit"))["s"] or ZERO
    )
    batch_total = DisbursementBatch.objects.aggregate(s=Sum("total"))["s"] or ZERO
    if not (paid_total == bank_credit == batch_total):
        problems.append(
            {"payments": str(paid_total), "bank_credit": str(bank_credit), "batches": str(batch_total)}
        )
    checks.append(_check("paid_traces_to_passed_assessment", problems, paid=str(paid_total)))

    # 4. No pilot-year approved beyond its budget.
    problems = []
    committed = (
        Claim.objects.filter(status__in=[ClaimStatus.APPROVED, ClaimStatus.PAID])
        .values("pilot_id", "budget_year")
        .annotate(s=Sum("amount"))
    )
    budgets = {(b.pilot_id, b.year): b.amount for b in PilotBudget.objects.all()}
    for committed_row in committed:
        budget = budgets.get((committed_row["pilot_id"], committed_row["budget_year"]), ZERO)
        if committed_row["s"] > budget:
            problems.append(
                {
                    "pilot": committed_row["pilot_id"],
                    "year": committed_row["budget_year"],
                    "approved": str(committed_row["s"]),
                    "budget": str(budget),
                }
            )
    checks.append(_check("budgets_respected", problems))

    return {"ok": all(c["ok"] for c in checks), "checks": checks}
