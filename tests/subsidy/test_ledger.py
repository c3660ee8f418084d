"""The ledger's guarantees, checked against PostgreSQL itself."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from backend.subsidy.ledger import account_for, entry_post
from backend.subsidy.models import AccountKind, Claim, ClaimStatus, EntryKind, JournalEntry, JournalLine
from backend.subsidy.reconciliation import reconcile
from backend.subsidy.services import claim_accrue
from tests.factories.subsidy import accrued_claim, passed_assessment

pytestmark = pytest.mark.django_db


def _balances(claim):
    rows = {}
    for line in JournalLine.objects.filter(entry__claim=claim).select_related("account"):
        rows[line.account.code] = rows.get(line.account.code, Decimal("0")) + line.debit - line.credit
    return rows


def test_a_passed_assessment_accrues_5000_split_3000_to_the_named_mentor_and_2000_to_the_company(bureau):
    # given a passed assessment of an insured, active placement
    assessment = passed_assessment()
    placement = assessment.placement
    # when the grant is accrued
    claim, created = claim_accrue(placement=placement, assessment=assessment, actor=bureau)
    # then one claim of 5000.00 split 3000.00 / 2000.00, attributed to the placement's mentor and company
    assert created
    assert (claim.amount, claim.mentor_amount, claim.company_amount) == (
        Decimal("5000.00"),
        Decimal("3000.00"),
        Decimal("2000.00"),
    )
    assert claim.mentor_id == placement.mentor_id and claim.company_id == placement.post.company_id
    assert claim.status == ClaimStatus.ACCRUED and not claim.held
    # and one balanced accrual entry: expense debited, the mentor's and the company's payables credited
    entry = JournalEntry.objects.get(claim=claim)
    assert entry.kind == EntryKind.ACCRUAL
    assert _balances(claim) == {
        "expense": Decimal("5000.00"),
        f"accrued_mentor:mentor:{placement.mentor_id}": Decimal("-3000.00"),
        f"accrued_company:company:{placement.post.company_id}": Decimal("-2000.00"),
    }


def test_accruing_twice_gives_the_same_claim_and_posts_nothing_more(bureau):
    # given an accrued claim
    claim = accrued_claim(actor=bureau)
    # when the same apprentice is accrued again
    again, created = claim_accrue(placement=claim.placement, assessment=claim.assessment, actor=bureau)
    # then
    assert not created and again.pk == claim.pk
    assert JournalEntry.objects.filter(claim=claim).count() == 1


def test_the_database_refuses_a_second_claim_for_the_same_apprentice_and_pilot(bureau):
    claim = accrued_claim(actor=bureau)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            **{
                f.attname: getattr(claim, f.attname)
                for f in Claim._meta.concrete_fields
                if f.name not in ("id", "created_at", "updated_at")
            }
        )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE subsidy_journalline SET debit = debit + 1",
        "DELETE FROM subsidy_journalline",
        "UPDATE subsidy_journalentry SET memo = 'changed'",
        "DELETE FROM subsidy_journalentry",
        "UPDATE subsidy_account SET name = 'x'",
    ],
)
def test_the_database_refuses_to_update_or_delete_ledger_rows(bureau, statement):
    # given a posted entry
    accrued_claim(actor=bureau)
    before = list(JournalLine.objects.values_list("id", "debit", "credit"))
    # when anyone (not only the code) tries to change or remove it with plain SQL
    with (
        pytest.raises(IntegrityError, match="LEDGER_APPEND_ONLY"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute(statement)
    # then nothing changed
    assert list(JournalLine.objects.values_list("id", "debit", "credit")) == before


def test_the_orm_cannot_delete_or_edit_an_entry_either(bureau):
    claim = accrued_claim(actor=bureau)
    line = JournalLine.objects.filter(entry__claim=claim).first()
    line.debit = Decimal("1.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        line.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalLine.objects.filter(pk=line.pk).delete()


def test_the_database_refuses_an_unbalanced_entry_at_commit(bureau):
    # given an entry written past the service, with one side short by one fen
    expense, bank = account_for(AccountKind.EXPENSE), account_for(AccountKind.BANK)
    with pytest.raises(IntegrityError, match="LEDGER_UNBALANCED"), transaction.atomic():
        entry = JournalEntry.objects.create(
            kind=EntryKind.ACCRUAL, idempotency_key="raw-1", posted_at="2026-11-01T00:00:00Z", memo="raw"
        )
        JournalLine.objects.create(entry=entry, account=expense, debit=Decimal("100.00"))
        JournalLine.objects.create(entry=entry, account=bank, credit=Decimal("99.99"))
        # then the deferred constraint trigger fires when the constraints are checked (as at COMMIT)
        with connection.cursor() as c:
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert not JournalEntry.objects.filter(idempotency_key="raw-1").exists()


def test_an_entry_without_lines_is_refused_and_a_balanced_one_accepted(bureau):
    with pytest.raises(IntegrityError, match="LEDGER_UNBALANCED"), transaction.atomic():
        JournalEntry.objects.create(
            kind="accrual", idempotency_key="raw-2", posted_at="2026-11-01T00:00:00Z", memo="-"
        )
        with connection.cursor() as c:
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # a balanced one passes the same check
    expense, bank = account_for(AccountKind.EXPENSE), account_for(AccountKind.BANK)
    with transaction.atomic():
        entry = JournalEntry.objects.create(
            kind="accrual", idempotency_key="raw-3", posted_at="2026-11-01T00:00:00Z", memo="-"
        )
        JournalLine.objects.create(entry=entry, account=expense, debit=Decimal("100.00"))
        JournalLine.objects.create(entry=entry, account=bank, credit=Decimal("100.00"))
        with connection.cursor() as c:
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert JournalEntry.objects.filter(idempotency_key="raw-3").exists()


def test_the_service_refuses_an_unbalanced_posting_and_writes_nothing(bureau):
    from backend.core.errors import ApplicationError

    expense, bank = account_for(AccountKind.EXPENSE), account_for(AccountKind.BANK)
    with pytest.raises(ApplicationError) as refused:
        entry_post(
            kind="accrual",
            key="svc-1",
            lines=[(expense, Decimal("10.00"), Decimal("0")), (bank, Decimal("0"), Decimal("9.00"))],
            memo="-",
            actor=bureau,
            now="2026-11-01T00:00:00Z",
        )
    assert refused.value.code == "LEDGER_UNBALANCED"
    assert not JournalEntry.objects.exists()


def test_reconciliation_of_a_fresh_ledger_is_ok(bureau):
    accrued_claim(actor=bureau)
    report = reconcile()
    assert report["ok"], report
