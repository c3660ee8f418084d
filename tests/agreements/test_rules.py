"""Which agreement, by age on the start date (pure rule, no database)."""

import datetime

import pytest

from backend.agreements.models import AgreementKind
from backend.agreements.rules import agreement_kind_for
from backend.core.errors import ApplicationError

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
            agreement_kind_for(birth_date=birth, start_date=START)
        assert refused.value.code == "AGE_MIN"
        assert refused.value.details["age"] == 15
    else:
        assert agreement_kind_for(birth_date=birth, start_date=START) == expected


def test_a_student_born_on_29_february_is_16_from_the_day_after_28_february():
    # given
    birth = datetime.date(2008, 2, 29)

    # when / then
    with pytest.raises(ApplicationError):
        agreement_kind_for(birth_date=birth, start_date=datetime.date(2024, 2, 28))
    assert (
        agreement_kind_for(birth_date=birth, start_date=datetime.date(2024, 3, 1)) == AgreementKind.FOUR_PARTY
    )
