"""Pure money and period maths: no database."""

import datetime
from decimal import Decimal

import pytest

from backend.assessments.rules import RuleFigures, decide
from backend.subsidy.money import budget_admits, coverage_gaps, fen, fifo_admitted, grant_split

D = datetime.date


def test_the_default_grant_is_3000_for_the_mentor_and_2000_for_the_company():
    split = grant_split(Decimal("3000.00"), Decimal("2000.00"))
    assert (split.mentor_reward, split.company_costs, split.total) == (
        Decimal("3000.00"),
        Decimal("2000.00"),
        Decimal("5000.00"),
    )


def test_money_refuses_floats_and_fractions_of_a_fen():
    assert fen("12.3") == Decimal("12.30")
    with pytest.raises(TypeError):
        fen(0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fen("0.005")


@pytest.mark.parametrize(
    ("intervals", "gaps"),
    [
        ([(D(2026, 9, 1), D(2027, 1, 31))], []),
        ([(D(2026, 9, 1), D(2026, 12, 31)), (D(2027, 1, 1), D(2027, 1, 31))], []),  # back to back
        ([(D(2026, 9, 2), D(2027, 1, 31))], [(D(2026, 9, 1), D(2026, 9, 1))]),  # starts a day late
        ([(D(2026, 9, 1), D(2027, 1, 30))], [(D(2027, 1, 31), D(2027, 1, 31))]),  # ends a day early
        (
            [(D(2026, 9, 1), D(2026, 10, 31)), (D(2026, 12, 1), D(2027, 2, 28))],
            [(D(2026, 11, 1), D(2026, 11, 30))],
        ),
        ([], [(D(2026, 9, 1), D(2027, 1, 31))]),
    ],
)
def test_insurance_coverage_gaps_are_found_to_the_day(intervals, gaps):
    assert coverage_gaps(D(2026, 9, 1), D(2027, 1, 31), intervals) == gaps


def test_budget_admits_in_order():
    five = Decimal("5000.00")
    # room for one more, nobody earlier waiting
    assert budget_admits(budget=Decimal("10000"), committed=five, waiting_before=[], amount=five) == (
        True,
        "",
    )
    # no room at all
    assert budget_admits(
        budget=Decimal("10000"), committed=Decimal("10000"), waiting_before=[], amount=five
    ) == (
        False,
        "BUDGET_EXHAUSTED",
    )
    # room for one, but an earlier claim waits for it
    assert budget_admits(budget=Decimal("10000"), committed=five, waiting_before=[five], amount=five) == (
        False,
        "BUDGET_QUEUE",
    )
    # the head of the queue stops at the first claim that does not fit (a smaller later one does not jump it)
    assert (
        fifo_admitted(budget=Decimal("9000"), committed=Decimal("0"), queue=[five, five, Decimal("1000")])
        == 1
    )


def test_assessment_rule_mean_weighted_minimum_and_incomplete():
    scores = {"mentor": Decimal("70"), "teacher": Decimal("55"), "company": Decimal("61")}
    mean = RuleFigures(required_parties=("mentor", "teacher", "company"), pass_mark=Decimal("60"))
    assert decide(mean, scores).final_score == Decimal("62.00")
    assert decide(mean, scores).passed is True
    minimum = RuleFigures(
        required_parties=("mentor", "teacher", "company"), pass_mark=Decimal("60"), method="minimum"
    )
    assert decide(minimum, scores).passed is False
    weighted = RuleFigures(
        required_parties=("mentor", "teacher", "company"),
        pass_mark=Decimal("60"),
        method="weighted",
        weights={"mentor": Decimal("0.5"), "teacher": Decimal("0.3"), "company": Decimal("0.2")},
    )
    assert decide(weighted, scores).final_score == Decimal("63.70")
    incomplete = decide(mean, {"mentor": Decimal("90")})
    assert (incomplete.complete, incomplete.missing, incomplete.passed) == (
        False,
        ("teacher", "company"),
        None,
    )
    # the pass mark itself passes
    assert decide(mean, {p: Decimal("60") for p in ("mentor", "teacher", "company")}).passed is True
