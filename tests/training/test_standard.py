"""The standard, computed: reached exactly when the last required piece arrives; the grant accrues exactly once and
is reversed when a sign-off is withdrawn or an evaluation revoked, the ledger reconciling throughout."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from backend.subsidy.models import Claim, ClaimStatus, JournalEntry
from backend.subsidy.reconciliation import reconcile
from backend.subsidy.services import subsidy_sweep
from backend.training import rules, services
from backend.training.models import TrainingEnrolment
from backend.training.selectors import claim_evidence
from tests.factories.training import complete_rotation

from .conftest import Apprentice

START = datetime.date(2026, 9, 1)


def _evaluate_all(a, grade="pass"):
    services.evaluation_record(placement=a.placement, party="mentor", grade=grade, actor=a.mentor)
    services.evaluation_record(placement=a.placement, party="teacher", grade="good", actor=a.teacher)
    services.evaluation_record(placement=a.placement, party="company", grade="excellent", actor=a.hr)


def _sign_all(a):
    return [
        services.competency_sign(placement=a.placement, competency=c, actor=a.mentor) for c in a.competencies
    ]


@pytest.mark.django_db
def test_the_standard_is_reached_exactly_when_the_last_piece_arrives_and_accrues_the_grant_once(apprentice):
    a = apprentice
    # given the rotation done, every evaluation passing, and every competency signed by the mentor
    complete_rotation(a.placement, a.plan, START)
    _evaluate_all(a)
    sign_offs = _sign_all(a)
    # when the teacher confirms all but the last: nothing yet
    for s in sign_offs[:-1]:
        services.sign_off_confirm(sign_off=s, actor=a.teacher)
    assert TrainingEnrolment.objects.get(placement=a.placement).standard_reached_at is None
    assert Claim.objects.count() == 0
    # when the teacher confirms the last one
    services.sign_off_confirm(sign_off=sign_offs[-1], actor=a.teacher)
    # then the standard is reached and the grant accrued, with its evidence
    enrolment = TrainingEnrolment.objects.get(placement=a.placement)
    assert enrolment.standard_reached_at is not None
    claim = Claim.objects.get()
    assert claim.amount == Decimal("5000.00") and claim.status == ClaimStatus.ACCRUED
    evidence = claim_evidence(claim)
    assert [c["code"] for c in evidence["competencies"]] == [c.code for c in a.competencies]
    assert {e["party"] for e in evidence["evaluations"]} == {"mentor", "teacher", "company"}
    assert evidence["hours"][0]["done"] == "8.00"
    # and a later write (a self-evaluation) does not accrue again
    services.evaluation_record(
        placement=a.placement, party="self", grade="good", actor=_student_user(a.placement)
    )
    assert Claim.objects.count() == 1 and JournalEntry.objects.count() == 1
    assert reconcile()["ok"]


def _student_user(placement):
    from tests.factories.accounts import StudentUserFactory

    return StudentUserFactory(student=placement.student)


@pytest.mark.django_db
def test_a_failing_required_evaluation_or_an_incomplete_rotation_keeps_the_standard_unreached(apprentice):
    a = apprentice
    _evaluate_all(a, grade="fail")
    for s in _sign_all(a):
        services.sign_off_confirm(sign_off=s, actor=a.teacher)
    assert Claim.objects.count() == 0  # rotation not done, mentor's grade fails
    standard = services.standard_evaluate(
        enrolment=a.placement.training, actor=None, now=datetime.datetime.now(datetime.UTC)
    )
    assert set(standard.reasons) == {"evaluations", "rotation"}


@pytest.mark.django_db
def test_withdrawing_a_sign_off_after_accrual_reverses_the_claim_and_the_ledger_reconciles(apprentice):
    a = apprentice
    complete_rotation(a.placement, a.plan, START)
    _evaluate_all(a)
    sign_offs = _sign_all(a)
    for s in sign_offs:
        services.sign_off_confirm(sign_off=s, actor=a.teacher)
    assert Claim.objects.get().status == ClaimStatus.ACCRUED
    # when the teacher withdraws a confirmed sign-off
    services.sign_off_withdraw(sign_off=sign_offs[0], actor=a.teacher, reason="复核: 该能力未独立完成")
    # then the claim is reversed by reversing entries, and the ledger reconciles
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.REVERSED and "复核" in claim.reversal_reason
    assert JournalEntry.objects.count() == 2
    assert reconcile()["ok"]
    assert TrainingEnrolment.objects.get(placement=a.placement).standard_reached_at is None


@pytest.mark.django_db
def test_revoking_an_evaluation_after_accrual_reverses_the_claim(apprentice):
    a = apprentice
    complete_rotation(a.placement, a.plan, START)
    _evaluate_all(a)
    for s in _sign_all(a):
        services.sign_off_confirm(sign_off=s, actor=a.teacher)
    company_eval = a.placement.training.evaluations.get(party="company")
    services.evaluation_revoke(evaluation=company_eval, actor=a.hr, reason="评价表填写错误")
    assert Claim.objects.get().status == ClaimStatus.REVERSED
    assert reconcile()["ok"]


@pytest.mark.django_db
def test_the_nightly_sweep_does_not_reverse_a_standard_claim_when_the_placement_ends_later(apprentice):
    a = apprentice
    complete_rotation(a.placement, a.plan, START)
    _evaluate_all(a)
    for s in _sign_all(a):
        services.sign_off_confirm(sign_off=s, actor=a.teacher)
    a.placement.status = "terminated"
    a.placement.save(update_fields=["status"])
    subsidy_sweep(as_of=datetime.date(2027, 2, 1))
    assert Claim.objects.get().status != ClaimStatus.REVERSED


ATTEMPTS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_sign_offs_reach_the_standard_and_accrue_exactly_once():
    # given an apprentice with 50 required competencies, each signed by the mentor, rotation and evaluations done
    a = Apprentice(competencies=ATTEMPTS)
    complete_rotation(a.placement, a.plan, START)
    _evaluate_all(a)
    sign_offs = _sign_all(a)
    start = threading.Barrier(ATTEMPTS)

    def confirm(sign_off):
        try:
            start.wait(timeout=60)
            services.sign_off_confirm(sign_off=sign_off, actor=a.teacher)
        finally:
            connection.close()

    # when the teacher's 50 confirmations arrive at the same moment, each on its own connection
    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        list(pool.map(confirm, sign_offs))
    # then the last one to commit saw all the others: the standard is reached and exactly one grant accrued
    assert TrainingEnrolment.objects.get(placement=a.placement).standard_reached_at is not None
    assert Claim.objects.count() == 1
    assert JournalEntry.objects.count() == 1
    assert reconcile()["ok"]


def test_combine_weights_the_parties_and_requires_each_required_party_to_pass():
    scheme = rules.SchemeFigures(
        scale="points",
        pass_points=Decimal("60"),
        weights={"mentor": Decimal("0.5"), "teacher": Decimal("0.3"), "third_party": Decimal("0.2")},
        required=frozenset({"mentor", "teacher", "third_party"}),
    )
    results = {
        "mentor": rules.Result(points=Decimal("80")),
        "teacher": rules.Result(points=Decimal("70")),
        "third_party": rules.Result(points=Decimal("65")),
    }
    combined = rules.combine(scheme, results)
    assert combined.points == Decimal("74.00") and combined.passed and combined.grade == "pass"
    results["third_party"] = rules.Result(points=Decimal("59.99"))
    assert not rules.combine(scheme, results).passed  # a required party below the line fails the whole
    del results["third_party"]
    assert rules.combine(scheme, results).missing == ("third_party",)
    grades = rules.SchemeFigures("grades", Decimal("60"), {"mentor": Decimal("1")}, frozenset({"mentor"}))
    assert rules.combine(grades, {"mentor": rules.Result(grade="excellent")}).grade == "excellent"
    assert not rules.combine(grades, {"mentor": rules.Result(grade="fail")}).passed


def test_the_standard_needs_every_piece():
    ok = rules.Combined(True, True, Decimal("80"), "good")
    steps = [rules.StepProgress(1, Decimal("8"), Decimal("8"), True)]
    assert rules.standard_reached(
        required_competencies=["A"], confirmed_competencies=["A"], evaluation=ok, rotation=steps
    ).reached
    assert not rules.standard_reached(
        required_competencies=["A", "B"], confirmed_competencies=["A"], evaluation=ok, rotation=steps
    ).reached
    short = [rules.StepProgress(1, Decimal("8"), Decimal("7.5"), True)]
    assert not rules.standard_reached(
        required_competencies=["A"], confirmed_competencies=["A"], evaluation=ok, rotation=short
    ).reached
