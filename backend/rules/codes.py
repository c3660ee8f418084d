"""Every rule code of the domain (docs/domain.md, DOMAIN.md), once. Pure: importable from any layer.

The codes are the stable names the project uses for violations, API errors and reports. ``RuleCode`` is a
``StrEnum``, so a member compares equal to its string ("AGE_MIN" == RuleCode.AGE_MIN) and serialises as one.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class RuleCode(StrEnum):
    # gates checked before a placement becomes active
    AGE_MIN = "AGE_MIN"
    AGREEMENT_PARTIES = "AGREEMENT_PARTIES"
    FIRST_YEAR = "FIRST_YEAR"
    AGREEMENT_SIGNED = "AGREEMENT_SIGNED"
    MENTOR_RATIO = "MENTOR_RATIO"
    COMPANY_CAP = "COMPANY_CAP"
    POST_CAP = "POST_CAP"
    TOTAL_DURATION = "TOTAL_DURATION"
    HEALTH_CHECK = "HEALTH_CHECK"
    INSURANCE = "INSURANCE"
    MINOR_FORBIDDEN_WORK = "MINOR_FORBIDDEN_WORK"
    HAZARDOUS_POST = "HAZARDOUS_POST"
    PAY_FLOOR = "PAY_FLOOR"
    NO_FEES = "NO_FEES"
    # working time, checked when shifts are entered and by the periodic audit
    DAILY_HOURS = "DAILY_HOURS"
    WEEKLY_HOURS = "WEEKLY_HOURS"
    NIGHT_WORK = "NIGHT_WORK"
    HOLIDAY_WORK = "HOLIDAY_WORK"
    OVERTIME = "OVERTIME"
    REST_DAY = "REST_DAY"
    # before a placement starts: the "八个事先" checklist
    HOST_VISIT = "HOST_VISIT"
    HOST_APPROVED = "HOST_APPROVED"
    CONSENT = "CONSENT"
    FILING = "FILING"
    PLACEMENT_PLAN = "PLACEMENT_PLAN"
    SAFETY_TRAINING = "SAFETY_TRAINING"
    OUT_OF_PROVINCE = "OUT_OF_PROVINCE"


GATE_CODES: tuple[RuleCode, ...] = (
    RuleCode.AGE_MIN,
    RuleCode.AGREEMENT_PARTIES,
    RuleCode.FIRST_YEAR,
    RuleCode.AGREEMENT_SIGNED,
    RuleCode.MENTOR_RATIO,
    RuleCode.COMPANY_CAP,
    RuleCode.POST_CAP,
    RuleCode.TOTAL_DURATION,
    RuleCode.HEALTH_CHECK,
    RuleCode.INSURANCE,
    RuleCode.MINOR_FORBIDDEN_WORK,
    RuleCode.HAZARDOUS_POST,
    RuleCode.PAY_FLOOR,
    RuleCode.NO_FEES,
)
WORKTIME_CODES: tuple[RuleCode, ...] = (
    RuleCode.DAILY_HOURS,
    RuleCode.WEEKLY_HOURS,
    RuleCode.NIGHT_WORK,
    RuleCode.HOLIDAY_WORK,
    RuleCode.OVERTIME,
    RuleCode.REST_DAY,
)
CHECKLIST_CODES: tuple[RuleCode, ...] = (
    RuleCode.HOST_VISIT,
    RuleCode.HOST_APPROVED,
    RuleCode.CONSENT,
    RuleCode.FILING,
    RuleCode.PLACEMENT_PLAN,
    RuleCode.SAFETY_TRAINING,
    RuleCode.OUT_OF_PROVINCE,
)

# What a violation or an exception may be recorded for (the checklist is checked, never recorded as one).
VIOLATION_CODE_CHOICES: list[tuple[str, str]] = [(c.value, c.value) for c in GATE_CODES + WORKTIME_CODES]
