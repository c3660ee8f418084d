import datetime

import pytest

from backend.core.ids import (
    InvalidId,
    age_on,
    compose_credit_code,
    compose_resident_id,
    mask_resident_id,
    parse_resident_id,
    validate_credit_code,
)


def test_a_published_example_id_parses_with_birth_date_and_sex():
    parsed = parse_resident_id("11010519491231002X")
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.sex == "F"  # 17th digit 2 is even


def test_lower_case_x_and_spaces_are_accepted():
    assert parse_resident_id(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "ID_CHECK_DIGIT"),
        ("11010519491231002", "ID_LENGTH"),
        ("1101051949123100AX", "ID_FORMAT"),
        (
            compose_resident_id("110105", datetime.date(2008, 1, 1), 1)[:6] + "20080230" + "0019",
            "ID_CHECK_DIGIT",
        ),
    ],
)
def test_malformed_ids_are_refused_with_a_code(number, code):
    with pytest.raises(InvalidId) as caught:
        parse_resident_id(number)
    assert caught.value.code == code


def test_an_impossible_date_with_a_correct_check_digit_is_refused():
    from stdnum.cn import ric

    body = "110105" + "20080230" + "001"
    with pytest.raises(InvalidId) as caught:
        parse_resident_id(body + ric.calc_check_digit(body + "?"))
    assert caught.value.code == "ID_BIRTH_DATE"


def test_a_birth_date_in_the_future_is_refused():
    number = compose_resident_id("110105", datetime.date(2030, 1, 1), 1)
    with pytest.raises(InvalidId) as caught:
        parse_resident_id(number, today=datetime.date(2026, 11, 28))
    assert caught.value.code == "ID_BIRTH_DATE"


def test_an_unknown_region_is_refused_but_a_region_newer_than_the_birth_year_is_not():
    with pytest.raises(InvalidId) as caught:
        parse_resident_id(compose_resident_id("990000", datetime.date(2008, 1, 1), 1))
    assert caught.value.code == "ID_REGION"
    # Pudong (310115) dates from 1992; people born earlier rightly hold such numbers.
    assert parse_resident_id(compose_resident_id("310115", datetime.date(1980, 1, 1), 1)).sex == "M"


def test_masking_keeps_region_and_last_four():
    assert mask_resident_id("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (datetime.date(2010, 9, 1), datetime.date(2026, 8, 31), 15),
        (datetime.date(2010, 9, 1), datetime.date(2026, 9, 1), 16),
        (datetime.date(2010, 9, 1), datetime.date(2026, 9, 2), 16),
        (datetime.date(2008, 2, 29), datetime.date(2026, 2, 28), 17),
        (datetime.date(2008, 2, 29), datetime.date(2026, 3, 1), 18),
    ],
)
def test_age_on_a_day_counts_full_years(born, day, age):
    assert age_on(born, day) == age


def test_credit_codes_are_checked():
    assert validate_credit_code("91110000600037341L") == "91110000600037341L"
    assert validate_credit_code(compose_credit_code("91310000MA1FL8TQ3")).startswith("91310000MA1FL8TQ3")
    with pytest.raises(InvalidId) as caught:
        validate_credit_code("91110000600037341A")
    assert caught.value.code == "CREDIT_CODE_CHECK"
    with pytest.raises(InvalidId) as caught:
        validate_credit_code("123")
    assert caught.value.code == "CREDIT_CODE_FORMAT"
