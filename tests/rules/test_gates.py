"""Eligibility gates: boundaries, without a database."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from backend.core.errors import ApplicationError
from backend.core.ids import age_on
from backend.rules import gates as g
from backend.rules.policy import Policy

POLICY = Policy()


def base_input(**changes) -> g.GateInput:
    """A placement that passes every gate: 17-year-old second-year student, safe post."""
    inp = g.GateInput(
        start_date=date(2026, 3, 2),
        end_date=date(2026, 6, 30),
        student_name="李小明",
        birth_date=date(2008, 9, 1),
        cohort_entry_year=2024,
        agreement_signed=True,
        mentor_name="王师傅",
        mentor_other_apprentices=2,
        company_name="华东机械",
        company_staff=200,
        company_other_interns=5,
        post_title="装配工",
        post_staff=50,
        post_other_interns=2,
        post_hazard_tags=frozenset(),
        post_wage=Decimal("5000.00"),
        student_pay=Decimal("4000.00"),
        company_periods=((date(2026, 3, 2), date(2026, 6, 30)),),
        health_checks=((date(2025, 12, 1), "county"),),
        insurance=(
            ("liability", date(2026, 3, 1), date(2026, 12, 31)),
            ("work_injury", date(2026, 3, 2), date(2026, 6, 30)),
        ),
    )
    return replace(inp, **changes)


def run(inp: g.GateInput, stage: str = g.ACTIVATE, as_of: date = date(2026, 3, 1)) -> g.GateReport:
    return g.check_gates(inp, stage=stage, as_of=as_of, policy=POLICY)


def error_codes(report: g.GateReport) -> list[str]:
    return [r.code for r in report.errors]


def test_a_clean_placement_passes_every_gate_and_records_the_policy():
    report = run(base_input())
    assert report.passed, report.as_dict()
    assert report.policy_code == "CN-NATIONAL-2021"
    assert report.as_dict()["policy"] == "CN-NATIONAL-2021"


# -- AGE_MIN / minors -------------------------------------------------------------------------


def test_sixteenth_birthday_on_the_start_date_is_allowed_the_day_before_is_not():
    born = date(2010, 3, 2)
    assert (
        g.check_age_min(student_name="x", birth_date=born, start_date=date(2026, 3, 2), policy=POLICY) == []
    )
    [fail] = g.check_age_min(student_name="x", birth_date=born, start_date=date(2026, 3, 1), policy=POLICY)
    assert fail.code == "AGE_MIN" and fail.figures["age"] == 15 and fail.figures["limit_age"] == 16
    assert "15 周岁" in fail.message and "16" in fail.message_en


def test_leap_day_birthday_turns_a_year_older_on_1_march_in_common_years():
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
    assert age_on(date(2008, 2, 29), date(2028, 2, 29)) == 20


def test_forbidden_work_on_the_day_a_minor_turns_18():
    # given a post with lifting over 20 kg and a student born 3 March 2008
    inp = base_input(birth_date=date(2008, 3, 3), post_hazard_tags=frozenset({"heavy_lifting"}))
    # when the placement starts the day before the 18th birthday: refused
    day_before = run(replace(inp, start_date=date(2026, 3, 2)))
    assert error_codes(day_before) == ["MINOR_FORBIDDEN_WORK"]
    assert day_before.errors[0].figures == {"age": 17, "adult_age": 18, "tags": ["heavy_lifting"]}
    assert "负重超过20公斤" in day_before.errors[0].message
    # when it starts on the birthday: allowed (protections switch off from that date)
    on_birthday = run(replace(inp, start_date=date(2026, 3, 3)))
    assert on_birthday.passed, on_birthday.as_dict()


def test_hazardous_post_refuses_everyone_even_adults():
    report = run(base_input(birth_date=date(2000, 1, 1), post_hazard_tags=frozenset({"height", "noise"})))
    assert error_codes(report) == ["HAZARDOUS_POST"]
    assert report.errors[0].figures == {"tags": ["height"]}


def test_minor_on_a_high_risk_post_gets_both_codes():
    report = run(base_input(post_hazard_tags=frozenset({"underground"})))
    assert error_codes(report) == ["MINOR_FORBIDDEN_WORK", "HAZARDOUS_POST"]


# -- FIRST_YEAR / AGREEMENT_SIGNED ------------------------------------------------------------


def test_first_year_students_stay_at_school():
    # cohort 2025: year 2 begins 1 September 2026
    assert error_codes(run(base_input(cohort_entry_year=2025, start_date=date(2026, 8, 31)))) == [
        "FIRST_YEAR"
    ]
    assert "FIRST_YEAR" not in error_codes(
        run(base_input(cohort_entry_year=2025, start_date=date(2026, 9, 1)))
    )


def test_unsigned_agreement_blocks_activation_not_proposal():
    inp = base_input(agreement_signed=False)
    assert error_codes(run(inp, stage=g.ACTIVATE)) == ["AGREEMENT_SIGNED"]
    assert run(inp, stage=g.PROPOSE).passed


# -- MENTOR_RATIO -----------------------------------------------------------------------------


def test_fifth_apprentice_allowed_sixth_refused():
    assert run(base_input(mentor_other_apprentices=4)).passed
    report = run(base_input(mentor_other_apprentices=5))
    assert error_codes(report) == ["MENTOR_RATIO"]
    err = report.errors[0]
    assert err.message == "师傅 王师傅 已带 5 名学徒，上限为 5"
    assert err.message_en == "mentor 王师傅 already leads 5 apprentices; the limit is 5"
    assert err.figures == {"limit_max": 5, "count": 5, "mentor": "王师傅"}


def test_single_apprentice_is_a_warning_not_a_refusal():
    report = run(base_input(mentor_other_apprentices=0))
    assert report.passed
    assert [w.code for w in report.warnings] == ["MENTOR_RATIO"]


# -- caps -------------------------------------------------------------------------------------


def test_company_cap_is_ten_percent_of_staff():
    # 200 staff -> at most 20 interns
    assert run(base_input(company_other_interns=19)).passed
    report = run(base_input(company_other_interns=20))
    assert error_codes(report) == ["COMPANY_CAP"]
    assert report.errors[0].figures == {"limit": 20, "count": 21, "staff": 200, "percent": "10"}
    assert "上限为 20 人" in report.errors[0].message


def test_post_cap_is_twenty_percent_of_staff_on_the_post():
    # 50 on the post -> at most 10; 4 on the post -> 0 (floor of 0.8)
    assert run(base_input(post_other_interns=9)).passed
    assert error_codes(run(base_input(post_other_interns=10))) == ["POST_CAP"]
    assert error_codes(run(base_input(post_staff=4, post_other_interns=0))) == ["POST_CAP"]


# -- TOTAL_DURATION ---------------------------------------------------------------------------


def test_twelve_months_in_companies_allowed_one_day_more_not():
    earlier = (date(2025, 3, 1), date(2025, 10, 31))  # 8 months
    this = (date(2026, 3, 1), date(2026, 6, 30))  # 4 months
    assert run(base_input(company_periods=(earlier, this))).passed
    longer = (date(2026, 3, 1), date(2026, 7, 1))
    report = run(base_input(company_periods=(earlier, longer)))
    assert error_codes(report) == ["TOTAL_DURATION"]
    assert report.errors[0].figures["months"] == "12.0"  # 12 months and a day, shown to one decimal
    assert report.errors[0].figures["limit_months"] == 12


def test_months_are_calendar_months():
    assert g.months_in(date(2026, 2, 1), date(2026, 2, 28)) == 1
    assert g.months_in(date(2026, 3, 1), date(2027, 2, 28)) == 12
    assert g.months_in(date(2026, 3, 1), date(2026, 3, 16)) == Decimal(16) / Decimal(31)


# -- HEALTH_CHECK -----------------------------------------------------------------------------


def test_no_health_check_blocks_activation_and_warns_at_proposal():
    inp = base_input(health_checks=())
    assert error_codes(run(inp)) == ["HEALTH_CHECK"]
    assert run(inp, stage=g.PROPOSE).passed
    assert [w.code for w in run(inp, stage=g.PROPOSE).warnings] == ["HEALTH_CHECK"]


def test_township_clinic_check_does_not_count():
    assert error_codes(run(base_input(health_checks=((date(2026, 1, 5), "township"),)))) == ["HEALTH_CHECK"]


def test_minor_needs_a_new_check_after_one_year():
    due, reason = g.health_check_due(
        birth_date=date(2009, 9, 1),
        checks=[(date(2025, 3, 1), "city")],
        first_work_date=date(2025, 3, 2),
        policy=POLICY,
    )
    assert (due, reason) == (date(2026, 3, 1), "minor_yearly")


def test_turning_18_with_a_check_over_six_months_old_makes_one_due_on_the_birthday():
    # last check 1 Aug 2025; 18th birthday 2 March 2026 (7 months later)
    due, reason = g.health_check_due(
        birth_date=date(2008, 3, 2),
        checks=[(date(2025, 8, 1), "county")],
        first_work_date=date(2025, 9, 1),
        policy=POLICY,
    )
    assert (due, reason) == (date(2026, 3, 2), "turning_adult")
    # a check 5 months before the birthday is recent enough
    due, _ = g.health_check_due(
        birth_date=date(2008, 3, 2),
        checks=[(date(2025, 10, 2), "county")],
        first_work_date=date(2025, 11, 1),
        policy=POLICY,
    )
    assert due is None


# -- INSURANCE --------------------------------------------------------------------------------


def test_insurance_must_cover_the_whole_period_for_each_kind():
    inp = base_input(
        insurance=(
            ("liability", date(2026, 3, 1), date(2026, 12, 31)),
            ("work_injury", date(2026, 3, 2), date(2026, 6, 29)),
        )
    )
    report = run(inp)
    assert error_codes(report) == ["INSURANCE"]
    assert report.errors[0].figures["kind"] == "work_injury"
    assert report.errors[0].figures["uncovered_from"] == "2026-06-30"
    assert "工伤保险" in report.errors[0].message


def test_insurance_periods_may_be_chained():
    periods = [(date(2026, 3, 2), date(2026, 4, 30)), (date(2026, 5, 1), date(2026, 6, 30))]
    assert g.first_uncovered_day(periods, date(2026, 3, 2), date(2026, 6, 30)) is None
    assert g.first_uncovered_day(periods[1:], date(2026, 3, 2), date(2026, 6, 30)) == date(2026, 3, 2)


# -- PAY_FLOOR --------------------------------------------------------------------------------


def test_pay_floor_is_eighty_percent_of_the_post_wage():
    assert run(base_input(student_pay=Decimal("4000.00"))).passed
    report = run(base_input(student_pay=Decimal("3999.99")))
    assert error_codes(report) == ["PAY_FLOOR"]
    assert report.errors[0].figures == {
        "floor": "4000.00",
        "pay": "3999.99",
        "post_wage": "5000.00",
        "percent": "80",
    }
    assert error_codes(run(base_input(student_pay=None))) == ["PAY_FLOOR"]


def test_every_failing_rule_is_listed_at_once():
    report = run(
        base_input(
            birth_date=date(2011, 1, 1),
            mentor_other_apprentices=5,
            post_hazard_tags=frozenset({"toxic"}),
            student_pay=Decimal("100"),
            agreement_signed=False,
        )
    )
    assert set(error_codes(report)) == {
        "AGE_MIN",
        "AGREEMENT_SIGNED",
        "MENTOR_RATIO",
        "MINOR_FORBIDDEN_WORK",
        "HAZARDOUS_POST",
        "PAY_FLOOR",
    }
    for r in report.errors:
        assert r.message and r.message_en and r.figures


def test_the_pay_floor_has_one_rounding_rule_up_to_the_fen_so_it_is_never_below_the_percent():
    # given a wage whose 80% is 2666.664 yuan
    wage = Decimal("3333.33")
    policy = Policy()

    # when
    floor = g.pay_floor(wage, policy)

    # then: rounded up (half-up would give 2666.66, below 80%), and the gate, matching and agreements agree
    assert floor == Decimal("2666.67")
    assert g.check_pay_floor(post_title="p", student_pay=floor, post_wage=wage, policy=policy) == []
    assert g.check_pay_floor(post_title="p", student_pay=Decimal("2666.66"), post_wage=wage, policy=policy)
    from backend.agreements.rules import pay_floor_check

    pay_floor_check(monthly_pay=floor, post_wage=wage, policy=policy)
    with pytest.raises(ApplicationError):
        pay_floor_check(monthly_pay=Decimal("2666.66"), post_wage=wage, policy=policy)
