"""Policy serialisation and the holiday calendar rows."""

from datetime import date, time
from decimal import Decimal

import pytest

from backend.rules.calendar import HOLIDAY, WORKDAY, calendar_from_rows, covered_years, package_rows
from backend.rules.policy import Policy


def test_national_defaults_match_domain():
    p = Policy()
    assert (p.max_daily_minutes, p.max_weekly_minutes) == (480, 2400)
    assert (p.night_start, p.night_end) == (time(22), time(6))
    assert (p.mentor_min, p.mentor_max, p.min_rest_days_per_week) == (2, 5, 1)
    assert (p.company_cap_percent, p.post_cap_percent, p.pay_floor_percent) == (
        Decimal(10),
        Decimal(20),
        Decimal(80),
    )
    assert (p.min_age, p.adult_age, p.max_company_months, p.program_years) == (16, 18, 12, 3)
    assert p.insurance_kinds == {"liability", "work_injury"}
    assert {"underground", "heavy_lifting", "physical_iv"} <= p.minor_forbidden_tags
    assert {"height", "entertainment"} <= p.hazardous_tags


def test_policy_round_trips_through_json_and_overrides_one_figure():
    import json

    stored = json.loads(json.dumps(Policy().to_dict()))
    assert Policy.from_dict(stored) == Policy()
    stricter = Policy.from_dict({"code": "ZJ-2026", "max_daily_minutes": 420, "night_start": "21:00"})
    assert (stricter.max_daily_minutes, stricter.night_start, stricter.max_weekly_minutes) == (
        420,
        time(21),
        2400,
    )


def test_unknown_policy_figure_is_refused():
    with pytest.raises(ValueError):
        Policy.from_dict({"max_daily_hours": 7})


def test_calendar_rows_for_2026():
    rows = package_rows([2026])
    by_date = {(r.date, r.kind): r for r in rows}
    assert by_date[(date(2026, 2, 15), HOLIDAY)].name_zh == "春节"
    assert by_date[(date(2026, 2, 14), WORKDAY)].name == "Spring Festival"
    workdays = sorted(r.date for r in rows if r.kind == WORKDAY)
    assert workdays == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    spring = sorted(r.date for r in rows if r.kind == HOLIDAY and r.name == "Spring Festival")
    assert (spring[0], spring[-1], len(spring)) == (date(2026, 2, 15), date(2026, 2, 23), 9)
    # ordinary weekends are not rows
    assert not any(r.date == date(2026, 3, 7) for r in rows)


def test_calendar_can_be_extended_with_rows_for_a_new_year():
    assert 2026 in covered_years() and 2027 not in covered_years()
    extra = [{"date": date(2027, 1, 1), "kind": HOLIDAY, "name": "New Year's Day", "name_zh": "元旦"}]
    cal = calendar_from_rows([*package_rows([2026]), *extra])
    assert cal.is_statutory_holiday(date(2027, 1, 1))
    assert not cal.is_statutory_holiday(date(2026, 2, 14))
