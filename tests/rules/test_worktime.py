"""Working-time rules: boundaries, without a database."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.rules import worktime as wt
from backend.rules.calendar import package_calendar
from backend.rules.policy import Policy

SH = ZoneInfo("Asia/Shanghai")
POLICY = Policy()
CAL = package_calendar()


def at(day: str, hhmm: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(hhmm), tzinfo=SH)


def shift(day: str, start: str, end: str, end_day: str | None = None) -> wt.ShiftSpan:
    return wt.ShiftSpan(at(day, start), at(end_day or day, end))


def codes(findings):
    return [f.code for f in findings]


# -- DAILY_HOURS ------------------------------------------------------------------------------


def test_exactly_eight_hours_in_a_day_is_allowed():
    # given a shift of exactly 8:00 on a Monday
    shifts = [shift("2026-03-02", "08:00", "16:00")]
    # when / then
    assert wt.check_daily_hours(shifts, POLICY) == []


def test_eight_hours_one_minute_in_a_day_is_refused_with_figures():
    # given 8:01 of work split over two shifts of one day
    shifts = [shift("2026-03-02", "08:00", "12:00"), shift("2026-03-02", "13:00", "17:01")]
    # when
    findings = wt.check_daily_hours(shifts, POLICY)
    # then
    assert len(findings) == 1
    f = findings[0]
    assert (f.code, f.period_start, f.period_end) == ("DAILY_HOURS", date(2026, 3, 2), date(2026, 3, 2))
    assert f.figures == {"limit_minutes": 480, "actual_minutes": 481}
    assert "8:01" in f.message and "8:00" in f.message
    assert "8:01 h" in f.message_en and "8:00 h" in f.message_en


def test_thirty_seconds_over_counts_as_a_minute_over():
    s = wt.ShiftSpan(at("2026-03-02", "08:00"), at("2026-03-02", "16:00") + timedelta(seconds=30))
    assert wt.check_daily_hours([s], POLICY)[0].figures["actual_minutes"] == 481


def test_shift_across_midnight_counts_toward_both_days():
    # given 20:00 -> 06:00 next day plus 4 h on each day
    shifts = [
        shift("2026-03-02", "12:00", "16:00"),
        shift("2026-03-02", "20:00", "06:00", end_day="2026-03-03"),
        shift("2026-03-03", "08:00", "12:00"),
    ]
    # when
    per_day = wt.seconds_per_day(shifts, SH)
    # then 4 h + 4 h on the 2nd, 6 h + 4 h on the 3rd
    assert per_day == {date(2026, 3, 2): 8 * 3600, date(2026, 3, 3): 10 * 3600}
    findings = wt.check_daily_hours(shifts, POLICY)
    assert [(f.period_start, f.figures["actual_minutes"]) for f in findings] == [(date(2026, 3, 3), 600)]


def test_split_uses_shanghai_days_for_utc_input():
    # given a shift given in UTC: 15:00-17:00 UTC is 23:00-01:00 in Shanghai
    utc = ZoneInfo("UTC")
    s = wt.ShiftSpan(datetime(2026, 3, 2, 15, tzinfo=utc), datetime(2026, 3, 2, 17, tzinfo=utc))
    # then it lands on two local days
    assert [d for d, _a, _b in wt.split_by_day(s, SH)] == [date(2026, 3, 2), date(2026, 3, 3)]


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        wt.ShiftSpan(datetime(2026, 3, 2, 8), datetime(2026, 3, 2, 9))  # noqa: DTZ001


def test_shift_must_end_after_start():
    with pytest.raises(ValueError):
        shift("2026-03-02", "10:00", "10:00")


# -- WEEKLY_HOURS -----------------------------------------------------------------------------


def test_forty_hours_in_an_iso_week_allowed_forty_and_a_minute_not():
    # given Mon-Fri 8 h (ISO week 2026-W10: 2 to 8 March)
    week = [shift(f"2026-03-0{d}", "08:00", "16:00") for d in range(2, 7)]
    assert wt.check_weekly_hours(week, POLICY) == []
    # when one more minute on Saturday
    findings = wt.check_weekly_hours([*week, shift("2026-03-07", "09:00", "09:01")], POLICY)
    # then
    assert codes(findings) == ["WEEKLY_HOURS"]
    f = findings[0]
    assert (f.period_start, f.period_end) == (date(2026, 3, 2), date(2026, 3, 8))
    assert f.figures == {"limit_minutes": 2400, "actual_minutes": 2401, "iso_week": "2026-W10"}
    assert "40:01" in f.message and "40:00" in f.message_en


def test_weeks_are_iso_weeks_monday_to_sunday():
    # given 6 h a day from Wednesday to the next Tuesday: 42 h, but split over two ISO weeks
    shifts = [shift((date(2026, 3, 4) + timedelta(days=i)).isoformat(), "08:00", "14:00") for i in range(7)]
    # then neither week passes 40 h
    assert wt.check_weekly_hours(shifts, POLICY) == []


def test_shift_across_sunday_midnight_is_split_between_iso_weeks():
    # given 39 h Mon-Sat-morning then Sun 22:00 -> Mon 02:00 (a night shift, but here only the hours matter)
    week = [shift(f"2026-03-0{d}", "08:00", "16:00") for d in range(2, 6)]  # 32 h
    week.append(shift("2026-03-06", "08:00", "15:00"))  # 39 h
    week.append(shift("2026-03-08", "22:00", "02:00", end_day="2026-03-09"))  # +2 h this week, +2 h next
    # then 41 h in W10, 2 h in W11
    findings = wt.check_weekly_hours(week, POLICY)
    assert [(f.figures["iso_week"], f.figures["actual_minutes"]) for f in findings] == [("2026-W10", 2460)]


# -- NIGHT_WORK -------------------------------------------------------------------------------


def test_night_window_boundaries():
    # 21:00-22:00 ends exactly when the window opens: allowed
    assert wt.check_night_work([shift("2026-03-02", "21:00", "22:00")], POLICY) == []
    # 21:00-22:01 has one minute inside
    late = wt.check_night_work([shift("2026-03-02", "21:00", "22:01")], POLICY)
    assert codes(late) == ["NIGHT_WORK"] and late[0].figures["actual_minutes"] == 1
    assert late[0].figures["window"] == "22:00-06:00"
    # 05:59-07:00 starts one minute before the window closes
    early = wt.check_night_work([shift("2026-03-02", "05:59", "07:00")], POLICY)
    assert codes(early) == ["NIGHT_WORK"] and early[0].figures["actual_minutes"] == 1
    # 06:00-14:00 starts when the window closes: allowed
    assert wt.check_night_work([shift("2026-03-02", "06:00", "14:00")], POLICY) == []


def test_night_shift_across_midnight_is_reported_on_both_days():
    findings = wt.check_night_work([shift("2026-03-02", "20:00", "02:00", end_day="2026-03-03")], POLICY)
    assert [(f.period_start, f.figures["actual_minutes"]) for f in findings] == [
        (date(2026, 3, 2), 120),
        (date(2026, 3, 3), 120),
    ]
    assert "22:00-06:00" in findings[0].message and "120" in findings[0].message_en


def test_night_window_is_a_policy_figure():
    stricter = Policy(night_start=time(20, 0), night_end=time(6, 0))
    assert codes(wt.check_night_work([shift("2026-03-02", "19:00", "21:00")], stricter)) == ["NIGHT_WORK"]


# -- HOLIDAY_WORK -----------------------------------------------------------------------------


def test_package_has_spring_festival_2026_starting_on_15_february():
    assert CAL.is_statutory_holiday(date(2026, 2, 15))
    assert not CAL.is_statutory_holiday(date(2026, 2, 14))
    assert date(2026, 2, 14) in CAL.workdays  # swapped working Saturday


def test_work_on_first_day_of_2026_spring_festival_is_refused():
    # given a shift on Sunday 15 February 2026, the first day of the Spring Festival break
    findings = wt.check_holiday_work([shift("2026-02-15", "08:00", "12:00")], POLICY, CAL)
    # then
    assert codes(findings) == ["HOLIDAY_WORK"]
    assert findings[0].period_start == date(2026, 2, 15)
    assert "春节" in findings[0].message and "4:00" in findings[0].message_en


def test_work_on_swapped_working_saturday_is_allowed():
    # given Saturday 14 February 2026, a swapped working day (调休上班)
    assert wt.check_holiday_work([shift("2026-02-14", "08:00", "16:00")], POLICY, CAL) == []


def test_ordinary_weekend_is_not_a_statutory_holiday():
    # Saturday 7 March 2026 is an ordinary weekend day
    assert wt.check_holiday_work([shift("2026-03-07", "08:00", "16:00")], POLICY, CAL) == []


def test_night_shift_ending_on_a_holiday_counts_for_the_holiday():
    # 14 Feb 20:00 -> 15 Feb 01:00: one hour falls on the holiday
    findings = wt.check_holiday_work(
        [shift("2026-02-14", "20:00", "01:00", end_day="2026-02-15")], POLICY, CAL
    )
    assert [(f.period_start, f.figures["actual_minutes"]) for f in findings] == [(date(2026, 2, 15), 60)]


# -- REST_DAY ---------------------------------------------------------------------------------


def test_six_working_days_leave_one_rest_day():
    week = [shift((date(2026, 3, 2) + timedelta(days=i)).isoformat(), "08:00", "12:00") for i in range(6)]
    assert wt.check_rest_days(week, POLICY) == []


def test_seven_working_days_in_an_iso_week_are_refused():
    week = [shift((date(2026, 3, 2) + timedelta(days=i)).isoformat(), "08:00", "12:00") for i in range(7)]
    findings = wt.check_rest_days(week, POLICY)
    assert codes(findings) == ["REST_DAY"]
    assert findings[0].figures == {"limit_days": 1, "actual_days": 0, "iso_week": "2026-W10"}


def test_a_night_shift_spilling_into_sunday_uses_up_the_rest_day():
    # Mon-Fri day shifts, Saturday 14:00 -> Sunday 00:30: Sunday is not a full rest day
    week = [shift((date(2026, 3, 2) + timedelta(days=i)).isoformat(), "08:00", "12:00") for i in range(5)]
    week.append(shift("2026-03-07", "16:00", "00:30", end_day="2026-03-08"))
    assert codes(wt.check_rest_days(week, POLICY)) == ["REST_DAY"]
    # ending exactly at midnight leaves Sunday free
    week[-1] = shift("2026-03-07", "16:00", "00:00", end_day="2026-03-08")
    assert wt.check_rest_days(week, POLICY) == []


# -- OVERTIME ---------------------------------------------------------------------------------


def test_actual_hours_beyond_plan_are_overtime():
    planned = [shift("2026-03-02", "08:00", "16:00")]
    assert wt.check_overtime(planned, [shift("2026-03-02", "08:00", "16:00")], POLICY) == []
    findings = wt.check_overtime(planned, [shift("2026-03-02", "08:00", "16:30")], POLICY)
    assert codes(findings) == ["OVERTIME"]
    assert findings[0].figures == {
        "limit_minutes": 0,
        "actual_minutes": 30,
        "planned_minutes": 480,
        "worked_minutes": 510,
    }


def test_unplanned_day_is_all_overtime():
    findings = wt.check_overtime([], [shift("2026-03-07", "09:00", "11:00")], POLICY)
    assert findings[0].figures["actual_minutes"] == 120


# -- overlaps and entry -----------------------------------------------------------------------


def test_overlapping_shifts_are_found_touching_shifts_are_not():
    a = shift("2026-03-02", "08:00", "12:00")
    b = shift("2026-03-02", "12:00", "16:00")
    c = shift("2026-03-02", "11:59", "13:00")
    assert wt.find_overlaps([a, b]) == []
    assert wt.find_overlaps([a, b, c]) == [(a, c), (c, b)]


def test_new_shift_checks_report_only_what_the_new_shift_touches():
    # given a week with 6 h a day Monday to Friday, and last week already without a rest day
    existing = [shift(f"2026-03-0{d}", "08:00", "14:00") for d in range(2, 7)]
    last_week = [
        shift((date(2026, 2, 23) + timedelta(days=i)).isoformat(), "08:00", "14:00") for i in range(7)
    ]
    # when a Saturday 22:00-02:00 shift is added
    new = [shift("2026-03-07", "20:00", "02:00", end_day="2026-03-08")]
    findings = wt.check_new_shifts([*last_week, *existing], new, POLICY, CAL)
    # then night work on both days and the rest day, not last week's REST_DAY
    assert sorted((f.code, f.period_start) for f in findings) == [
        ("NIGHT_WORK", date(2026, 3, 7)),
        ("NIGHT_WORK", date(2026, 3, 8)),
        ("REST_DAY", date(2026, 3, 2)),
    ]


def test_new_shift_overlapping_an_existing_one_is_reported():
    existing = [shift("2026-03-02", "08:00", "12:00")]
    findings = wt.check_new_shifts(existing, [shift("2026-03-02", "11:00", "13:00")], POLICY, CAL)
    assert codes(findings) == ["SHIFT_OVERLAP"]
    assert "08:00-12:00" in findings[0].message
