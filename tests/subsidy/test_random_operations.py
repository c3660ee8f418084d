"""Whatever sequence of operations happens, the ledger reconciles (hypothesis drives random sequences)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from backend.assessments.models import AssessmentStatus
from backend.assessments.services import assessment_open, assessment_revoke, assessment_score_record
from backend.core.errors import ApplicationError
from backend.placements.models import InsuranceKind
from backend.subsidy.models import Claim, ClaimStatus
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

TODAY = datetime.date(2026, 11, 28)
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


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    passed_first=st.lists(st.booleans(), min_size=N, max_size=N),
    ops=st.lists(operation, min_size=3, max_size=30),
)
def test_the_ledger_reconciles_after_any_sequence_of_operations(passed_first, ops):
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
        ops = [("pass_accrue", i) for i, yes in enumerate(passed_first) if yes] + ops
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
            except ApplicationError as exc:
                # a refused operation must leave nothing behind: the reconciliation below proves it
                event(f"refused {name}: {exc.code}")
        # then: the database's own deferred checks pass, and the reconciliation proves the books
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
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
