"""Text on its way in and out: names cleaned of invisible characters, spreadsheet cells that cannot be formulas.

`spreadsheet_safe` follows OWASP's CSV injection advice: a text cell that begins with = + - @, a tab, a carriage
return or a line feed is prefixed with a single quote, so that Excel, LibreOffice and WPS show it as text instead of
evaluating it. Only text is touched: numbers (negative ones too), dates and None keep their type, so an XLSX keeps
numeric and date cells. Every CSV and XLSX export passes its cells through it (`spreadsheet_row`).

`clean_name` removes what has no place in a person's or an organisation's name and can disguise it: control
characters (NUL included), the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069, and
the marks U+200E, U+200F, U+061C) and zero-width characters (U+200B-U+200D, U+2060, U+FEFF); outer spaces go too.
"""

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

_INVISIBLE = re.compile(
    "["
    "\u061c"  # Arabic letter mark
    "\u200b-\u200f"  # zero-width space, non-joiner, joiner; left-to-right and right-to-left marks
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064"  # word joiner and invisible operators
    "\u2066-\u2069"  # bidi isolates
    "\ufeff"  # zero-width no-break space (byte-order mark)
    "]"
)


def spreadsheet_safe(value: Any) -> Any:
    """The value as a spreadsheet cell that no spreadsheet evaluates: text that could start a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def spreadsheet_row(values: Iterable[Any]) -> list[Any]:
    return [spreadsheet_safe(v) for v in values]


def clean_name(value: str) -> str:
    """The name without control, bidi-override or zero-width characters, stripped of outer whitespace."""
    value = _INVISIBLE.sub("", value)
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc")
    return value.strip()
