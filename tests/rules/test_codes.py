"""One enum of rule codes: every code of the domain, once, and every place that lists codes reads it."""

from backend.portal.rules_labels import RULE_LABELS
from backend.rules import gates, worktime
from backend.rules.codes import CHECKLIST_CODES, GATE_CODES, WORKTIME_CODES, RuleCode
from backend.rules.models import ShiftException, Violation

DOMAIN_CODES = {
    # gates
    "AGE_MIN", "AGREEMENT_PARTIES", "FIRST_YEAR", "AGREEMENT_SIGNED", "MENTOR_RATIO", "COMPANY_CAP", "POST_CAP",
    "TOTAL_DURATION", "HEALTH_CHECK", "INSURANCE", "MINOR_FORBIDDEN_WORK", "HAZARDOUS_POST", "PAY_FLOOR", "NO_FEES",
    # working time
    "DAILY_HOURS", "WEEKLY_HOURS", "NIGHT_WORK", "HOLIDAY_WORK", "OVERTIME", "REST_DAY",
    # the checklist
    "HOST_VISIT", "HOST_APPROVED", "CONSENT", "FILING", "PLACEMENT_PLAN", "SAFETY_TRAINING",
    "OUT_OF_PROVINCE",
}  # fmt: skip


def test_the_enum_holds_every_domain_code_once_and_the_groups_partition_it():
    assert {c.value for c in RuleCode} == DOMAIN_CODES
    assert all(c.name == c.value for c in RuleCode)
    groups = GATE_CODES + WORKTIME_CODES + CHECKLIST_CODES
    assert sorted(groups) == sorted(RuleCode)


def test_a_member_is_its_string_wherever_a_code_is_compared_or_stored():
    assert RuleCode.PAY_FLOOR == "PAY_FLOOR"
    assert f"{RuleCode.NIGHT_WORK}" == "NIGHT_WORK"
    assert gates.check_hazardous_post(post_title="p", hazard_tags={"height"}, policy=gates.Policy())[
        0
    ].code == ("HAZARDOUS_POST")


def test_violations_exceptions_and_labels_read_the_enum():
    codes = {c for c, _ in Violation._meta.get_field("rule_code").choices}
    assert codes == set(GATE_CODES + WORKTIME_CODES)
    assert {c for c, _ in ShiftException._meta.get_field("rule_code").choices} == codes
    assert set(worktime.WORKTIME_RULES) == set(WORKTIME_CODES)
    assert codes <= set(RULE_LABELS)
