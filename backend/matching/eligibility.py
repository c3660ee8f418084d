"""Which student-post pairs may be proposed at all: the gates known before matching. Pure, no ORM, no clock.

TODO(rules): the rules engineer's `backend.rules.gates` (AGE_MIN, FIRST_YEAR, MINOR_FORBIDDEN_WORK,
HAZARDOUS_POST with the versioned policy's tag lists) was not on main when this was written. Once it is,
`pair_violation` should delegate to it so that there is one reading of each rule; until then the tag sets
below follow ../shared/DOMAIN.md.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from backend.core.ids import age_on

AGE_MIN = "AGE_MIN"
FIRST_YEAR = "FIRST_YEAR"
MINOR_FORBIDDEN_WORK = "MINOR_FORBIDDEN_WORK"
HAZARDOUS_POST = "HAZARDOUS_POST"
POST_REQUIREMENT = "POST_REQUIREMENT"  # the company's own requirement (program, minimum score): not a gate
POST_NOT_IN_PILOT = "POST_NOT_IN_PILOT"

MINIMUM_AGE = 16
ADULT_AGE = 18
ACADEMIC_YEAR_START_MONTH = 9  # as backend.schools.models

# 未成年工特殊保护规定 art. 3: work forbidden to 16-17-year-olds.
MINOR_FORBIDDEN_TAGS = frozenset(
    {"underground", "toxic", "height", "physical_iv", "heavy_lifting", "low_temperature"}
)
# 职业学校学生实习管理规定 (2021) art. 16: no student at all on these.
HAZARDOUS_TAGS = frozenset(
    {"height", "underground", "radioactive", "toxic", "flammable_explosive", "entertainment"}
)

RULE_MESSAGES = {
    AGE_MIN: ("未满16周岁，不得安排岗位", "under 16 on the start date"),
    FIRST_YEAR: ("一年级学生不安排岗位实习", "first-year students are not placed"),
    MINOR_FORBIDDEN_WORK: ("未成年工禁忌作业岗位", "work forbidden to minors"),
    HAZARDOUS_POST: ("高危岗位不得安排学生", "high-risk post: no student"),
    POST_REQUIREMENT: (
        "不符合企业岗位要求（专业或最低成绩）",
        "the company's requirement (program or score)",
    ),
    POST_NOT_IN_PILOT: ("岗位所属企业不在该试点项目中", "the post's company is not in the pilot"),
}


def year_of_study(entry_year: int, on: datetime.date) -> int:
    academic_year = on.year if on.month >= ACADEMIC_YEAR_START_MONTH else on.year - 1
    return academic_year - entry_year + 1


def student_gate(
    *, birth_date: datetime.date, entry_year: int, as_of: datetime.date
) -> tuple[str | None, bool]:
    """(the rule that keeps this student from any post on `as_of`, or None; whether they are a minor)."""
    age = age_on(birth_date, as_of)
    if age < MINIMUM_AGE:
        return AGE_MIN, True
    if year_of_study(entry_year, as_of) <= 1:
        return FIRST_YEAR, age < ADULT_AGE
    return None, age < ADULT_AGE


def post_gate(post_tags: Iterable[str]) -> tuple[bool, bool]:
    """(forbidden to minors, forbidden to every student)."""
    tags = set(post_tags or ())
    return bool(tags & MINOR_FORBIDDEN_TAGS), bool(tags & HAZARDOUS_TAGS)


def combine(student: tuple[str | None, bool], post: tuple[bool, bool]) -> str | None:
    """The first gate that forbids the pair. Minors are told MINOR_FORBIDDEN_WORK before HAZARDOUS_POST:
    it is the more specific reason."""
    rule, minor = student
    if rule:
        return rule
    forbidden_to_minors, hazardous = post
    if minor and forbidden_to_minors:
        return MINOR_FORBIDDEN_WORK
    if hazardous:
        return HAZARDOUS_POST
    return None


def pair_violation(
    *, birth_date: datetime.date, entry_year: int, post_tags: Iterable[str], as_of: datetime.date
) -> str | None:
    """The first gate that forbids placing this student on this post on `as_of` (the start date), or None."""
    return combine(
        student_gate(birth_date=birth_date, entry_year=entry_year, as_of=as_of), post_gate(post_tags)
    )
