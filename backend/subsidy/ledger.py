"""Posting to the double-entry ledger. Every posting is balanced, carries an idempotency key and is never changed;
the database refuses UPDATE/DELETE and checks the balance again at commit (migration 0002)."""

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction

from backend.companies.models import Company, Mentor
from backend.core.errors import ApplicationError

from .models import Account, AccountKind, Claim, DisbursementBatch, JournalEntry, JournalLine
from .money import fen

Line = tuple[Account, Decimal, Decimal]  # account, debit, credit

_NAMES: dict[str, str] = {
    AccountKind.EXPENSE: "学徒补助支出",
    AccountKind.BANK: "财政专户存款",
}


def account_for(kind: str, *, company: Company | None = None, mentor: Mentor | None = None) -> Account:
    """The account of a kind, per company or per named mentor where the kind is attributable."""
    if kind in (AccountKind.ACCRUED_MENTOR, AccountKind.APPROVED_MENTOR):
        assert mentor is not None
        code, name = f"{kind}:mentor:{mentor.pk}", f"{AccountKind(kind).label} - {mentor.name}"
        company = mentor.company
    elif kind in (AccountKind.ACCRUED_COMPANY, AccountKind.APPROVED_COMPANY, AccountKind.RECEIVABLE):
        assert company is not None
        code, name = f"{kind}:company:{company.pk}", f"{AccountKind(kind).label} - {company.name}"
        mentor = None
    else:
        code, name, company, mentor = kind, _NAMES[kind], None, None
    account = Account.objects.filter(code=code).first()
    if account:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(code=code, kind=kind, name=name, company=company, mentor=mentor)
    except IntegrityError:  # created concurrently
        return Account.objects.get(code=code)


def entry_post(
    *,
    kind: str,
    key: str,
    lines: Sequence[Line],
    memo: str,
    actor: Any,
    now: datetime.datetime,
    claim: Claim | None = None,
    batch: DisbursementBatch | None = None,
    reverses: JournalEntry | None = None,
) -> tuple[JournalEntry, bool]:
    """Post one balanced entry once: a second call with the same key returns the first entry and False."""
    existing = JournalEntry.objects.filter(idempotency_key=key).first()
    if existing:
        return existing, False
    cleaned = [(account, fen(debit), fen(credit)) for account, debit, credit in lines]
    debits = sum((d for _, d, _ in cleaned), Decimal("0"))
    credits = sum((c for _, _, c in cleaned), Decimal("0"))
    if (
        len(cleaned) < 2
        or debits != credits
        or any((d > 0) == (c > 0) or d < 0 or c < 0 for _, d, c in cleaned)
    ):
        raise ApplicationError(
            "LEDGER_UNBALANCED",
            "记账凭证借贷不平衡",
            "a journal entry must have balanced debit and credit lines",
            details={"debit": str(debits), "credit": str(credits), "lines": len(cleaned)},
            status=500,
        )
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                kind=kind,
                idempotency_key=key,
                claim=claim,
                batch=batch,
                reverses=reverses,
                posted_at=now,
                memo=memo[:300],
                actor=actor if getattr(actor, "pk", None) else None,
            )
            JournalLine.objects.bulk_create(
                [JournalLine(entry=entry, account=a, debit=d, credit=c) for a, d, c in cleaned]
            )
            _check_balance_now()
    except IntegrityError:
        existing = JournalEntry.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return existing, False
    return entry, True


def entry_reverse(*, entry: JournalEntry, memo: str, actor: Any, now: datetime.datetime) -> JournalEntry:
    """The reversing entry: the same lines with debit and credit swapped. At most once per entry."""
    lines = [(line.account, line.credit, line.debit) for line in entry.lines.select_related("account")]
    reversal, _ = entry_post(
        kind="reversal",
        key=f"reverse:{entry.pk}",
        lines=lines,
        memo=memo,
        actor=actor,
        now=now,
        claim=entry.claim,
        batch=entry.batch,
        reverses=entry,
    )
    return reversal


def _check_balance_now() -> None:
    """Fire the deferred balance triggers for what was just written, then defer them again.

    The commit checks anyway; checking here as well makes a bad posting fail at its source (and inside tests that
    never commit)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SET CONSTRAINTS subsidy_journalline_balanced, subsidy_journalentry_balanced IMMEDIATE"
        )
        cursor.execute("SET CONSTRAINTS subsidy_journalline_balanced, subsidy_journalentry_balanced DEFERRED")


def account_balances(*, claim: Claim | None = None) -> dict[str, Decimal]:
    """Debit minus credit per account kind (for one claim, or the whole ledger); kinds at zero are left out."""
    from django.db.models import Sum

    lines = JournalLine.objects.all()
    if claim is not None:
        lines = lines.filter(entry__claim=claim)
    result: dict[str, Decimal] = {}
    for row in lines.values("account__kind").annotate(d=Sum("debit"), c=Sum("credit")):
        balance = (row["d"] or Decimal("0")) - (row["c"] or Decimal("0"))
        if balance:
            result[row["account__kind"]] = balance
    return result
