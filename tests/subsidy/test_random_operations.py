"""Whatever sequence of operations happens, the ledger holds exactly what the operations put there (hypothesis
drives random sequences).

The clock is frozen (time-machine) on a day inside the placements' period, so the services, which read the clock
themselves, see the same day as the test's dates whatever the real date is. The oracle is the test's own book: it
watches each claim's status change operation by operation and sums the postings that change implies; the project's
`reconcile()` is checked as well, but it is not the oracle."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import event, given, settings, target
from hypothesis import strategies as st

from backend.assessments.models import AssessmentStatus
from backend.assessments.services import assessment_open, assessment_revoke, assessment_score_record
from backend.core.clock import RULES_ZONE
from backend.core.errors import ApplicationError
from backend.placements.models import InsuranceKind
from backend.subsidy.models import AccountKind, Claim, ClaimStatus, DisbursementBatch, JournalLine
from backend.subsidy.reconciliation import reconcile
from backend.subsidy.services import (
    batch_pay,
    claim_accrue,
    claim_approve,
    claim_reverse,
    claims_approve_in_order,
    pilot_budget_set,
    subsidy_sweep,
)
from tests.factories.accounts import BureauFactory, UserFactory
from tests.factories.placements import InsurancePolicyFactory, PilotProjectFactory, PlacementFactory
from tests.factories.subsidy import insure, seal

NOW = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=RULES_ZONE)  # inside every placement's period
TODAY = NOW.date()
N = 4  # placements: 0-1 in pilot A, 2-3 in pilot B; odd ones start uninsured (held)

operation = st.one_of(
    st.tuples(st.just("pass"), st.integers(0, N - 1)),
    st.tuples(st.just("accrue"), st.integers(0, N - 1)),
    st.tuples(st.just("pass_accrue_approve"), st.integers(0, N - 1)),
    st.tuples(st.just("revoke"), st.integers(0, N - 1)),
    st.tuples(st.just("approve"), st.integers(0, N - 1)),
    st.tuples(st.just("approve_in_order"), st.integers(0, 1)),
    st.tuples(st.just("pay"), st.integers(0, 2**N - 1)),
    st.tuples(st.just("reverse"), st.integers(0, N - 1)),
    st.tuples(
        st.just("budget"), st.integers(0, 1), st.sampled_from(["0", "5000", "7500.50", "10000", "20000"])
    ),
    st.tuples(st.just("insure"), st.integers(0, N - 1)),
    st.tuples(
        st.just("sweep"),
    ),
)


ZERO = Decimal("0.00")
# A claim's way through the books: accrued -> approved -> paid, or reversed from any of them.
FORWARD = [None, ClaimStatus.ACCRUED, ClaimStatus.APPROVED, ClaimStatus.PAID]


def postings(before: str | None, after: str, mentor: Decimal, company: Decimal) -> dict[str, Decimal]:
    """Debit minus credit per account kind that moving one claim from `before` to `after` posts (the test's own
    double-entry book: accrue Dr expense / Cr accrued; approve moves accrued to approved; pay Dr approved / Cr bank;
    reversing an unpaid claim undoes its entries; reversing a paid one: Dr receivable / Cr expense)."""
    amount, book = mentor + company, defaultdict(lambda: ZERO)
    steps = {
        ClaimStatus.ACCRUED: {
            AccountKind.EXPENSE: amount,
            AccountKind.ACCRUED_MENTOR: -mentor,
            AccountKind.ACCRUED_COMPANY: -company,
        },
        ClaimStatus.APPROVED: {
            AccountKind.ACCRUED_MENTOR: mentor,
            AccountKind.ACCRUED_COMPANY: company,
            AccountKind.APPROVED_MENTOR: -mentor,
            AccountKind.APPROVED_COMPANY: -company,
        },
        ClaimStatus.PAID: {
            AccountKind.APPROVED_MENTOR: mentor,
            AccountKind.APPROVED_COMPANY: company,
            AccountKind.BANK: -amount,
        },
    }
    reached = FORWARD.index(after) if after in FORWARD else FORWARD.index(before)
    for status in FORWARD[FORWARD.index(before) + 1 : reached + 1]:
        for kind, value in steps[status].items():
            book[kind] += value
    if after == ClaimStatus.REVERSED:
        if before == ClaimStatus.PAID:
            book[AccountKind.RECEIVABLE] += amount
            book[AccountKind.EXPENSE] -= amount
        else:  # every entry of the claim so far is reversed: nothing of it is left
            for status in FORWARD[1 : FORWARD.index(before) + 1]:
                for kind, value in steps[status].items():
                    book[kind] -= value
    return book


def claim_states() -> dict[int, tuple[str, Decimal, Decimal]]:
    return {
        pk: (status, m, c)
        for pk, status, m, c in Claim.objects.values_list("pk", "status", "mentor_amount", "company_amount")
    }


@pytest.mark.django_db
def test_the_ledger_reconciles_after_any_sequence_of_operations():
    reached_approval: list[bool] = []

    @settings(max_examples=60, deadline=None)
    @given(
        # how each placement starts: nothing yet, a passed assessment and its claim, or that claim approved too
        first=st.lists(st.sampled_from(["", "pass_accrue", "pass_accrue_approve"]), min_size=N, max_size=N),
        ops=st.lists(operation, min_size=3, max_size=30),
    )
    def run(first, ops):
        with time_machine.travel(NOW, tick=False):
            reached_approval.append(run_operations(first, ops))

    run()
    # the examples reach the interesting part of the books: most of them approve at least one claim
    assert sum(reached_approval) > len(reached_approval) / 2, (sum(reached_approval), len(reached_approval))


def run_operations(first, ops) -> bool:
    with transaction.atomic():
        bureau, admin = BureauFactory(), UserFactory()
        pilots = [PilotProjectFactory(), PilotProjectFactory()]
        placements = []
        for i in range(N):
            p = PlacementFactory(pilot=pilots[i // 2], active=True)
            if i % 2 == 0:
                insure(p)
            else:
                InsurancePolicyFactory(placement=p, kind=InsuranceKind.LIABILITY)
            seal(p)
            placements.append(p)
        for pilot in pilots:
            pilot_budget_set(pilot=pilot, year=TODAY.year, amount=Decimal("10000.00"), actor=bureau)
        payments = 0
        # the test's own book: expected debit minus credit per account kind, money paid, budgets set
        book: dict[str, Decimal] = defaultdict(lambda: ZERO)
        paid = ZERO
        approved_ever: set[int] = set()
        budgets = {pilot.pk: Decimal("10000.00") for pilot in pilots}
        states = claim_states()
        ops = [(name, i) for i, name in enumerate(first) if name] + ops
        for op in ops:
            name, *args = op
            try:
                with transaction.atomic():
                    if name in (
                        "pass",
                        "pass_accrue",
                        "pass_accrue_approve",
                    ):  # the services: open, three signed scores
                        assessment = assessment_open(placement=placements[args[0]], actor=admin)
                        for party in ("mentor", "teacher", "company"):
                            assessment_score_record(
                                assessment=assessment,
                                party=party,
                                score=Decimal("75"),
                                assessor_name="评价人",
                                actor=admin,
                            )
                        if name != "pass":
                            assessment.refresh_from_db()
                            claim, _ = claim_accrue(
                                placement=assessment.placement, assessment=assessment, actor=bureau
                            )
                        if name == "pass_accrue_approve":
                            claim_approve(claim=claim, actor=bureau)
                    elif name == "accrue":
                        placement = placements[args[0]]
                        assessment = placement.assessments.filter(status=AssessmentStatus.PASSED).first()
                        claim_accrue(placement=placement, assessment=assessment, actor=bureau)
                    elif name == "revoke":
                        assessment = (
                            placements[args[0]].assessments.filter(status=AssessmentStatus.PASSED).first()
                        )
                        if assessment:
                            assessment_revoke(assessment=assessment, reason="随机撤销", actor=bureau)
                    elif name in ("approve", "reverse"):
                        claim = Claim.objects.filter(placement=placements[args[0]]).first()
                        if claim and name == "approve":
                            claim_approve(claim=claim, actor=bureau)
                        elif claim:
                            claim_reverse(claim=claim, reason="随机冲销", actor=bureau)
                    elif name == "approve_in_order":
                        claims_approve_in_order(pilot=pilots[args[0]], year=TODAY.year, actor=bureau)
                    elif name == "pay":
                        chosen = [placements[i] for i in range(N) if args[0] >> i & 1]
                        claims = list(Claim.objects.filter(placement__in=chosen, status=ClaimStatus.APPROVED))
                        payments += 1
                        batch_pay(claims=claims, reference=f"R{payments}", paid_on=TODAY, actor=bureau)
                    elif name == "budget":
                        pilot_budget_set(
                            pilot=pilots[args[0]], year=TODAY.year, amount=Decimal(args[1]), actor=bureau
                        )
                    elif name == "insure":
                        p = placements[args[0]]
                        InsurancePolicyFactory(placement=p, kind=InsuranceKind.WORK_INJURY)
                    elif name == "sweep":
                        subsidy_sweep(as_of=TODAY)
                    if name == "budget":
                        budgets[pilots[args[0]].pk] = Decimal(args[1])
            except ApplicationError as exc:
                # a refused operation must leave nothing behind: the book below, unchanged by it, proves it
                event(f"refused {name}: {exc.code}")
            after = claim_states()
            for pk, (status, mentor, company) in after.items():
                before = states[pk][0] if pk in states else None
                if status != before:
                    for kind, value in postings(before, status, mentor, company).items():
                        book[kind] += value
                    if status == ClaimStatus.PAID:
                        paid += mentor + company
                    if status in (ClaimStatus.APPROVED, ClaimStatus.PAID):
                        approved_ever.add(pk)
            assert states.keys() <= after.keys(), "a claim row disappeared"
            states = after
        target(len(approved_ever), label="claims approved")
        event(f"claims approved: {len(approved_ever)}")
        # then: the database's own deferred checks pass ...
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # ... the ledger holds, account kind by account kind, exactly what the operations posted ...
        ledger = {
            row["account__kind"]: row["d"] - row["c"]
            for row in JournalLine.objects.values("account__kind").annotate(d=Sum("debit"), c=Sum("credit"))
        }
        assert {k: v for k, v in ledger.items() if v} == {k: v for k, v in book.items() if v}, ops
        totals = JournalLine.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
        assert (totals["d"] or ZERO) == (totals["c"] or ZERO)
        # ... the bank paid out what the claims that became paid were worth, in batches of that total ...
        bank = (
            JournalLine.objects.filter(account__kind=AccountKind.BANK).aggregate(c=Sum("credit"))["c"] or ZERO
        )
        assert bank == paid == (DisbursementBatch.objects.aggregate(t=Sum("total"))["t"] or ZERO)
        # ... no pilot has more approved or paid than the last budget it was given ...
        for pilot in pilots:
            committed = (
                Claim.objects.filter(
                    pilot=pilot, status__in=[ClaimStatus.APPROVED, ClaimStatus.PAID]
                ).aggregate(s=Sum("amount"))["s"]
                or ZERO
            )
            assert committed <= budgets[pilot.pk], (pilot.pk, committed, budgets[pilot.pk])
        # ... and the project's own reconciliation agrees
        report = reconcile()
        assert report["ok"], (ops, report)
        for pilot in pilots:
            assert (
                Claim.objects.filter(pilot=pilot).values("student").distinct().count()
                == Claim.objects.filter(pilot=pilot).count()
            )
        # nothing paid that is not traced to a passed (or since revoked and reversed) assessment
        for claim in Claim.objects.filter(status=ClaimStatus.PAID):
            assert claim.assessment.status == AssessmentStatus.PASSED
        for status in ClaimStatus.values:
            event(f"some claim {status}: {Claim.objects.filter(status=status).exists()}")
        transaction.set_rollback(True)
    return bool(approved_ever)
