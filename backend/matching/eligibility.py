"""Which student-post pairs may be proposed at all: the gates known before matching. No ORM, no clock.

One reading of each rule: the figures and tag lists come from the rules app's versioned `Policy` (the version
in force on the start date), and the age and first-year tests are `backend.rules.gates`' own checks. Here they
are only split into a student part and a post part so that a province run (a million pairs) computes each
part once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from backend.core.ids import age_on
from backend.rules import gates
from backend.rules.codes import RuleCode
from backend.rules.policy import Policy

POST_REQUIREMENT = "POST_REQUIREMENT"  # the company's own requirement (program, minimum score): not a gate
POST_NOT_IN_PILOT = "POST_NOT_IN_PILOT"

RULE_MESSAGES = {
    RuleCode.AGE_MIN: ("未满最低年龄，不得安排岗位", "under the minimum age on the start date"),
    RuleCode.FIRST_YEAR: ("一年级学生不安排岗位实习", "first-year students are not placed"),
    RuleCode.MINOR_FORBIDDEN_WORK: ("未成年工禁忌作业岗位", "work forbidden to minors"),
    RuleCode.HAZARDOUS_POST: ("高危岗位不得安排学生", "high-risk post: no student"),
    POST_REQUIREMENT: (
        "不符合企业岗位要求（专业或最低成绩）",
        "the company's requirement (program or score)",
    ),
    POST_NOT_IN_PILOT: ("岗位所属企业不在该试点项目中", "the post's company is not in the pilot"),
}


def student_gate(
    *, birth_date: datetime.date, entry_year: int, as_of: datetime.date, policy: Policy
) -> tuple[str | None, bool]:
    """(the rule that keeps this student from any post on `as_of`, or None; whether they are a minor)."""
    minor = age_on(birth_date, as_of) < policy.adult_age
    if gates.check_age_min(student_name="", birth_date=birth_date, start_date=as_of, policy=policy):
        return RuleCode.AGE_MIN, minor
    if gates.check_first_year(student_name="", cohort_entry_year=entry_year, start_date=as_of, policy=policy):
        return RuleCode.FIRST_YEAR, minor
    return None, minor


def post_gate(post_tags: Iterable[str], policy: Policy) -> tuple[bool, bool]:
    """(forbidden to minors, forbidden to every student)."""
    tags = set(post_tags or ())
    return bool(tags & policy.minor_forbidden_tags), bool(tags & policy.hazardous_tags)


def combine(student: tuple[str | None, bool], post: tuple[bool, bool]) -> str | None:
    """The first gate that forbids the pair. Minors are told MINOR_FORBIDDEN_WORK before HAZARDOUS_POST:
    it is the more specific reason."""
    rule, minor = student
    if rule:
        return rule
    forbidden_to_minors, hazardous = post
    if minor and forbidden_to_minors:
        return RuleCode.MINOR_FORBIDDEN_WORK
    if hazardous:
        return RuleCode.HAZARDOUS_POST
    return None


def pair_violation(
    *,
    birth_date: datetime.date,
    entry_year: int,
    post_tags: Iterable[str],
    as_of: datetime.date,
    policy: Policy | None = None,
) -> str | None:
    """The first gate that forbids placing this student on this post on `as_of` (the start date), or None."""
    policy = policy or Policy()
    return combine(
        student_gate(birth_date=birth_date, entry_year=entry_year, as_of=as_of, policy=policy),
        post_gate(post_tags, policy),
    )
