import dataclasses
from decimal import Decimal

import pytest

from contracts.context import TEMPLATE_VARIABLES, AgreementKind
from contracts.samples import sample_context


def test_template_dict_formats_dates_and_money_for_a_chinese_contract():
    # given
    context = sample_context(AgreementKind.FOUR_PARTY)

    # when
    data = context.to_template_dict()

    # then
    assert data["period"]["start_date"] == "2026年9月1日"
    assert data["pay"]["monthly_amount"] == "4,200.00"
    assert data["pay"]["post_wage"] == "5,000.00"
    assert data["pay"]["floor_amount"] == "4,000.00"
    assert data["pay"]["ratio_percent"] == "84"
    assert data["stages"][1]["company_end"] == "2027年6月30日"
    assert data["guardian"]["relation"] == "父亲"
    assert data["party_count_cn"] == "四" and data["copies_cn"] == "四"


def test_every_name_in_the_template_dict_is_a_known_template_variable():
    # given
    data = sample_context(AgreementKind.FOUR_PARTY).to_template_dict()

    # when
    def paths(value, prefix=""):
        if isinstance(value, dict):
            for key, inner in value.items():
                yield f"{prefix}{key}"
                yield from paths(inner, f"{prefix}{key}.")
        elif isinstance(value, list):
            for item in value:
                yield from paths(item, prefix[:-1] + "[].")

    # then
    assert set(paths(data)) == TEMPLATE_VARIABLES


def test_a_four_party_context_without_a_guardian_is_refused():
    # given
    context = sample_context(AgreementKind.FOUR_PARTY)

    # when / then
    with pytest.raises(ValueError, match="guardian"):
        dataclasses.replace(context, guardian=None)


def test_money_is_rounded_half_up_to_the_fen():
    # given
    context = sample_context()
    pay = dataclasses.replace(context.pay, monthly_amount=Decimal("4000.005"))

    # when
    data = dataclasses.replace(context, pay=pay).to_template_dict()

    # then
    assert data["pay"]["monthly_amount"] == "4,000.01"
