"""backend.core.text: spreadsheet cells that cannot be formulas, names without invisible characters (no database)."""

import datetime
from decimal import Decimal

import pytest

from backend.core.text import clean_name, spreadsheet_row, spreadsheet_safe


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_text_starting_a_formula_gets_a_quote(prefix):
    assert spreadsheet_safe(prefix + "1+1") == "'" + prefix + "1+1"


def test_other_text_and_non_text_values_pass_unchanged():
    day = datetime.date(2026, 11, 28)
    values = ["张三", "北京=精工", "", None, 3, -5, Decimal("-12.50"), 1.5, day, "'=already"]
    assert spreadsheet_row(values) == values
    assert isinstance(spreadsheet_safe(Decimal("-12.50")), Decimal)


@pytest.mark.parametrize(
    "dirty",
    [
        "张\x00三",
        "张\u202e三",
        "张\u202a\u202b\u202c\u202d三",
        "张\u2066\u2067\u2068\u2069三",
        "张\u200b\u200c\u200d\u2060\ufeff三",
        "张\u200e\u200f\u061c三",
        "  张\t三\r\n",
        "\x07张\x1b三\x7f",
    ],
)
def test_names_lose_control_bidi_and_zero_width_characters(dirty):
    assert clean_name(dirty) == "张三"


def test_a_clean_name_is_kept_as_written():
    assert clean_name("欧阳 娜娜·阿依古丽") == "欧阳 娜娜·阿依古丽"
    assert clean_name("O'Brien-Smith") == "O'Brien-Smith"
