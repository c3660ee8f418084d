"""Which agreement, by age on the start date (pure rule, no database)."""

import datetime

import pytest

from backend.agreements.models import AgreementKind
from backend.agreements.rules import agreement_kind_for
from backend.core.errors import ApplicationError
from backend.rules.policy import NATIONAL_DEFAULT as NATIONAL
from backend.rules.policy import Policy

START = datetime.date(2026, 9, 1)


def _born(years_before: int, days: int) -> datetime.date:
    """The birth date whose `years_before`th birthday is START + days."""
    birthday = START + datetime.timedelta(days=days)
    return birthday.replace(year=birthday.year - years_before)


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (_born(16, 1), "AGE_MIN"),  # turns 16 the day after the start: still 15
        (_born(16, 0), AgreementKind.FOUR_PARTY),  # 16th birthday on the start date
        (_born(16, -1), AgreementKind.FOUR_PARTY),  # turned 16 the day before
        (_born(18, 1), AgreementKind.FOUR_PARTY),  # turns 18 the day after the start: four-party
        (_born(18, 0), AgreementKind.THREE_PARTY),  # 18th birthday on the start date
        (_born(18, -1), AgreementKind.THREE_PARTY),  # turned 18 the day before
    ],
    ids=["16-day-before", "16-day-of", "16-day-after", "18-day-before", "18-day-of", "18-day-after"],
)
def test_the_agreement_kind_follows_the_age_on_the_start_date(birth, expected):
    # when / then
    if expected == "AGE_MIN":
        with pytest.raises(ApplicationError) as refused:
            agreement_kind_for(birth_date=birth, start_date=START, policy=NATIONAL)
        assert refused.value.code == "AGE_MIN"
        assert refused.value.details["age"] == 15
    else:
        assert agreement_kind_for(birth_date=birth, start_date=START, policy=NATIONAL) == expected


def test_a_student_born_on_29_february_is_16_from_the_day_after_28_february():
    # given
    birth = datetime.date(2008, 2, 29)

    # when / then
    with pytest.raises(ApplicationError):
        agreement_kind_for(birth_date=birth, start_date=datetime.date(2024, 2, 28), policy=NATIONAL)
    assert (
        agreement_kind_for(birth_date=birth, start_date=datetime.date(2024, 3, 1), policy=NATIONAL)
        == AgreementKind.FOUR_PARTY
    )


def test_the_age_bands_and_the_pay_floor_are_the_policy_s():
    # given a pilot whose policy raises the minimum age to 17, the adult age to 19 and the floor to 90%
    from decimal import Decimal

    from backend.agreements.rules import pay_floor_check

    strict = Policy(min_age=17, adult_age=19, pay_floor_percent=Decimal("90"))

    # when / then: 16 is refused, 18 still signs four-party
    with pytest.raises(ApplicationError) as refused:
        agreement_kind_for(birth_date=_born(16, 0), start_date=START, policy=strict)
    assert refused.value.code == "AGE_MIN" and refused.value.details["minimum"] == 17
    assert (
        agreement_kind_for(birth_date=_born(18, 0), start_date=START, policy=strict)
        == AgreementKind.FOUR_PARTY
    )
    assert (
        agreement_kind_for(birth_date=_born(19, 0), start_date=START, policy=strict)
        == AgreementKind.THREE_PARTY
    )
    # and 80% of the wage, enough nationally, is below the pilot's 90%
    pay_floor_check(monthly_pay=Decimal("4000.00"), post_wage=Decimal("5000.00"), policy=NATIONAL)
    with pytest.raises(ApplicationError) as low:
        pay_floor_check(monthly_pay=Decimal("4000.00"), post_wage=Decimal("5000.00"), policy=strict)
    assert low.value.code == "PAY_FLOOR" and low.value.details["floor"] == "4500.00"
