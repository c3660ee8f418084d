"""Validation at the API's edge, before the database: dates and years inside sensible bounds.

A placement, a stage or a match run dated 9999 is a typing mistake, and such dates overflow the date arithmetic the
rules do (a day or a year added to 9999-12-31). Dates are refused before EARLIEST_DATE or more than
YEARS_AHEAD years after today (in the rules' zone).
"""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from backend.core.clock import local_today

EARLIEST_DATE = dt.date(2000, 1, 1)
YEARS_AHEAD = 10
# Calendar years a query may ask for (the statutory calendar, reports): four digits, like the dates above.
EARLIEST_YEAR = EARLIEST_DATE.year
LATEST_YEAR = 2100


def latest_date(today: dt.date | None = None) -> dt.date:
    today = today or local_today()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def sensible_date(value: dt.date) -> None:
    """A serializer validator: the date lies between 2000-01-01 and ten years from today."""
    latest = latest_date()
    if value < EARLIEST_DATE or value > latest:
        raise serializers.ValidationError(
            _("日期须在 %(earliest)s 至 %(latest)s 之间") % {"earliest": EARLIEST_DATE, "latest": latest},
            code="date_out_of_range",
        )


class SensibleDateField(serializers.DateField):
    """A date between 2000-01-01 and ten years from today."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.validators.append(sensible_date)


class YearQuerySerializer(serializers.Serializer):
    """`?year=` on list endpoints: a four-digit calendar year."""

    year = serializers.IntegerField(required=False, min_value=EARLIEST_YEAR, max_value=LATEST_YEAR)
