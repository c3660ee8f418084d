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


def test_a_day_belongs_to_the_autumn_or_the_spring_term():
    assert rhythm.term_of(dt.date(2026, 8, 31)) == rhythm.Term(dt.date(2026, 2, 1), dt.date(2026, 8, 31))
    assert rhythm.term_of(dt.date(2026, 9, 1)) == rhythm.Term(dt.date(2026, 9, 1), dt.date(2027, 1, 31))
    assert rhythm.term_of(dt.date(2027, 1, 31)).label == "2026-autumn"
    assert rhythm.term_of(dt.date(2027, 2, 1)).label == "2027-spring"
    assert rhythm.parse_term("2026-autumn") == rhythm.term_of(dt.date(2026, 10, 1))
    assert rhythm.parse_term("2026-W42") is None and rhythm.parse_term("1999-spring") is None


def test_the_weeks_due_so_far_begin_in_the_term_and_wait_for_their_deadline():
    term = rhythm.term_of(dt.date(2026, 10, 1))
    placement = (
        dt.date(2026, 9, 1),
        dt.date(2027, 1, 31),
    )  # starts on a Tuesday: that week is the spring term's
    deadline = rhythm.deadline_for(rhythm.Rhythm(), "weekly", dt.date(2026, 10, 12))  # 19 October 12:00
    before = rhythm.weeks_due(rhythm.Rhythm(), term, *placement, deadline)  # its very second: not yet passed
    after = rhythm.weeks_due(rhythm.Rhythm(), term, *placement, deadline + dt.timedelta(seconds=1))
    assert before[0] == dt.date(2026, 9, 7) and before[-1] == dt.date(2026, 10, 5) and len(before) == 5
    assert after[-1] == dt.date(2026, 10, 12) and len(after) == 6
    assert rhythm.weeks_due(rhythm.Rhythm(weekly_required=False), term, *placement, deadline) == []
    # a placement that ends mid-term owes nothing after its end
    short = rhythm.weeks_due(rhythm.Rhythm(), term, dt.date(2026, 9, 1), dt.date(2026, 9, 20), deadline)
    assert short == [dt.date(2026, 9, 7), dt.date(2026, 9, 14)]
