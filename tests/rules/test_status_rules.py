"""The status audit's rules as a pure function over values (no database)."""

from datetime import date

from backend.rules.policy import Policy
from backend.rules.status import VIOLATION, WARNING, StatusInput, status_findings

POLICY = Policy()


def values(**changes) -> StatusInput:
    base = {
        "start_date": date(2026, 3, 2),
        "end_date": date(2026, 8, 31),
        "student_name": "李明",
        "birth_date": date(2008, 6, 1),  # 18 on 1 June 2026
        "mentor_name": "王师傅",
        "mentor_apprentices": 3,
        "company_name": "精工",
        "company_staff": 100,
        "company_interns": 5,
        "post_title": "装配",
        "post_staff": 20,
        "post_interns": 2,
        "hazard_tags": frozenset(),
        "company_periods": ((date(2026, 3, 2), date(2026, 8, 31)),),
        "insurance": (
            ("liability", date(2026, 3, 2), date(2026, 8, 31)),
            ("work_injury", date(2026, 3, 2), date(2026, 8, 31)),
        ),
        "health_checks": ((date(2026, 2, 20), "county"),),
    }
    return StatusInput(**(base | changes))


def codes(found):
    return sorted((f.code, f.severity) for f in found)


def test_a_placement_in_order_finds_nothing():
    assert status_findings(values(), policy=POLICY, as_of=date(2026, 4, 1)) == []


def test_counts_include_this_placement():
    found = status_findings(
        values(mentor_apprentices=6, company_interns=11, post_interns=5),
        policy=POLICY,
        as_of=date(2026, 4, 1),
    )
    assert codes(found) == [("COMPANY_CAP", VIOLATION), ("MENTOR_RATIO", VIOLATION), ("POST_CAP", VIOLATION)]


def test_insurance_lapsing_soon_warns_and_lapsed_is_a_violation_from_the_gap():
    short = values(
        insurance=(
            ("liability", date(2026, 3, 2), date(2026, 4, 10)),
            ("work_injury", date(2026, 3, 2), date(2026, 8, 31)),
        )
    )
    [soon] = status_findings(short, policy=POLICY, as_of=date(2026, 4, 1))  # gap on 11 April: within 14 days
    assert (soon.code, soon.severity, soon.period_start) == ("INSURANCE", WARNING, date(2026, 4, 11))
    [lapsed] = status_findings(short, policy=POLICY, as_of=date(2026, 4, 11))
    assert (lapsed.severity, lapsed.period_start, lapsed.period_end) == (
        VIOLATION,
        date(2026, 4, 11),
        date(2026, 8, 31),
    )
    assert (
        status_findings(short, policy=POLICY, as_of=date(2026, 3, 20)) == []
    )  # not yet within the warning days


def test_forbidden_work_for_a_minor_ends_on_the_18th_birthday():
    lifting = values(hazard_tags=frozenset({"heavy_lifting"}))
    assert codes(status_findings(lifting, policy=POLICY, as_of=date(2026, 5, 31))) == [
        ("MINOR_FORBIDDEN_WORK", VIOLATION)
    ]
    assert status_findings(lifting, policy=POLICY, as_of=date(2026, 6, 1)) == []
