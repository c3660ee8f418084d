"""The journal rhythm's pure functions: periods, deadlines and lateness (no database, no clock)."""

import datetime as dt

from backend.core.clock import RULES_ZONE
from backend.journals import rhythm


def test_a_weekly_journal_is_due_the_day_after_its_sunday_at_noon_by_default():
    # given the ISO week 2026-W42 (Monday 12 October)
    start = rhythm.period_start("weekly", dt.date(2026, 10, 15))
    # when
    deadline = rhythm.deadline_for(rhythm.Rhythm(), "weekly", start)
    # then
    assert start == dt.date(2026, 10, 12)
    assert deadline == dt.datetime(2026, 10, 19, 12, 0, tzinfo=RULES_ZONE)


def test_a_daily_journal_follows_the_pilots_figures():
    # given a pilot that wants dailies by 22:00 the same day
    figures = rhythm.Rhythm(daily_required=True, deadline_days=0, deadline_hour=22)
    # when
    deadline = rhythm.deadline_for(figures, "daily", dt.date(2026, 10, 14))
    # then
    assert deadline == dt.datetime(2026, 10, 14, 22, 0, tzinfo=RULES_ZONE)


def test_late_is_strictly_after_the_deadline():
    deadline = dt.datetime(2026, 10, 19, 12, 0, tzinfo=RULES_ZONE)
    assert not rhythm.is_late(deadline, deadline)
    assert rhythm.is_late(deadline, deadline + dt.timedelta(seconds=1))
    assert not rhythm.is_late(deadline, deadline - dt.timedelta(seconds=1))


def test_iso_weeks_read_and_print_as_the_week_input_sends_them():
    assert rhythm.parse_iso_week("2026-W42") == dt.date(2026, 10, 12)
    assert rhythm.iso_week_label(dt.date(2026, 10, 12)) == "2026-W42"
    assert rhythm.parse_iso_week("2026-W54") is None
    assert rhythm.parse_iso_week("hello") is None
    # the ISO year of a week that starts in December
    assert rhythm.iso_week_label(dt.date(2026, 12, 28)) == "2026-W53"
