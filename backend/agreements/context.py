"""Placement (ORM) -> contracts AgreementContext; refused when a fact the agreement needs is missing."""

import datetime
from typing import Any

from backend.core.errors import ApplicationError
from backend.core.ids import InvalidId, parse_resident_id
from backend.placements.models import InsuranceKind, Placement
from backend.rules.policy import Policy
from backend.rules.selectors import policy_for_placement
from contracts import context as c

from .models import AgreementKind
from .rules import agreement_kind_for, pay_floor_check

DEFAULT_SCHEDULE = "周一至周五，具体作息由乙方在8:00至18:00之间安排，每日不超过8小时"
DEFAULT_LEAVE = (
    "丙方请假须事先向企业师傅和学校指导教师申请，经批准后方可离岗；因急病等不能事先申请的，应及时补办"
)
DEFAULT_BOARD = "按乙方职工标准提供"
PAY_DAY = 15

# field path -> (Chinese label, English label) for the "missing data" refusal
LABELS = {
    "student.resident_id": ("学生身份证号", "the student's resident ID"),
    "guardian": ("监护人（四方协议须有监护人信息）", "a guardian (a four-party agreement needs one)"),
    "guardian.phone": ("监护人电话", "the guardian's phone"),
    "mentor": ("企业师傅", "a mentor"),
    "supervising_teacher": ("学校指导教师", "the school's supervising teacher"),
    "stages": ("培养阶段", "the placement's stages"),
    "post.monthly_wage": ("同岗位职工月工资", "the post's monthly wage"),
    "period.place": ("培养地点（岗位工作地点或企业地址）", "the place (post location or company address)"),
    "insurance.liability": ("实习责任保险", "liability insurance"),
    "insurance.work_injury": ("工伤保险", "work-injury insurance"),
}


def placement_agreement_kind(placement: Placement, *, policy: Policy | None = None) -> AgreementKind:
    """Three- or four-party by the student's age on the start date (`policy`: the placement's, when the caller has
    it already, e.g. a page of many placements reading one PolicyBook)."""
    try:
        birth_date = parse_resident_id(placement.student.resident_id, today=placement.start_date).birth_date
    except InvalidId as exc:
        raise ApplicationError(exc.code, exc.message, exc.message_en, status=422) from exc
    return agreement_kind_for(
        birth_date=birth_date,
        start_date=placement.start_date,
        policy=policy or policy_for_placement(placement),
    )


def _months(start: datetime.date, end: datetime.date) -> int:
    return max(1, round(((end - start).days + 1) / 30.4))


def _policy(policy: Any) -> c.InsurancePolicy:
    return c.InsurancePolicy(
        insurer=policy.insurer,
        number=policy.policy_number,
        start_date=policy.start_date,
        end_date=policy.end_date,
    )


def agreement_context_build(
    *, placement: Placement, kind: AgreementKind, number: str, rules_policy: Policy | None = None
) -> c.AgreementContext:
    """Every fact of the agreement, or ApplicationError AGREEMENT_DATA_MISSING naming each missing field."""
    student, post, mentor = placement.student, placement.post, placement.mentor
    company, school, pilot = post.company, placement.pilot.school, placement.pilot
    missing: list[str] = []

    guardian = None
    if kind == AgreementKind.FOUR_PARTY:
        guardians = sorted(student.guardians.all(), key=lambda g: (not g.is_primary, g.pk))
        if not guardians:
            missing.append("guardian")
        else:
            g = guardians[0]
            guardian = c.Guardian(
                name=g.name, relation=g.get_relation_display(), resident_id=g.resident_id, phone=g.phone
            )
    if mentor is None:
        missing.append("mentor")
    if not placement.supervising_teacher.strip():
        missing.append("supervising_teacher")
    stages = list(placement.stages.all())
    if not stages:
        missing.append("stages")
    if not post.monthly_wage:
        missing.append("post.monthly_wage")
    place = post.location or company.address
    if not place:
        missing.append("period.place")
    policies: dict[str, Any] = {}
    for policy in sorted(placement.insurance_policies.all(), key=lambda p: p.start_date):
        policies.setdefault(policy.kind, policy)
    for kind_name, field in (
        (InsuranceKind.LIABILITY, "insurance.liability"),
        (InsuranceKind.WORK_INJURY, "insurance.work_injury"),
    ):
        if kind_name not in policies:
            missing.append(field)
    if missing:
        labels = [LABELS[f] for f in missing]
        raise ApplicationError(
            "AGREEMENT_DATA_MISSING",
            "缺少生成协议所需的信息：" + "、".join(zh for zh, _ in labels) + "。",
            "Missing for the agreement: " + ", ".join(en for _, en in labels) + ".",
            details={"fields": missing},
            status=422,
        )
    pay_floor_check(
        monthly_pay=placement.monthly_pay,
        post_wage=post.monthly_wage,
        policy=rules_policy or policy_for_placement(placement),
    )
    assert mentor is not None
    parsed = parse_resident_id(student.resident_id, today=placement.start_date)
    return c.AgreementContext(
        kind=c.AgreementKind(kind.value),
        number=number,
        pilot_name=pilot.name,
        sign_place=school.region or school.address,
        student=c.Student(
            name=student.name,
            resident_id=parsed.number,
            sex="男" if parsed.sex == "M" else "女",
            birth_date=parsed.birth_date,
            phone=student.phone,
            program=student.cohort.program.name,
            cohort=f"{student.cohort.entry_year}级",
        ),
        guardian=guardian,
        school=c.School(
            name=school.name,
            address=school.address,
            phone=school.phone,
            supervising_teacher=c.SupervisingTeacher(
                name=placement.supervising_teacher, phone=placement.supervising_teacher_phone
            ),
        ),
        company=c.Company(
            name=company.name,
            credit_code=company.credit_code,
            address=company.address,
            legal_representative=company.legal_representative,
            phone=company.contact_phone,
        ),
        post=c.Post(
            title=post.title,
            content=post.description or post.title,
            location=post.location or company.address,
            monthly_wage=post.monthly_wage,
        ),
        mentor=c.Mentor(name=mentor.name, phone=mentor.phone, title=mentor.title),
        period=c.Period(start_date=placement.start_date, end_date=placement.end_date, place=place),
        stages=tuple(
            c.Stage(
                number=s.number,
                name=s.name,
                school_months=s.school_months,
                company_months=_months(s.company_start, s.company_end),
                company_start=s.company_start,
                company_end=s.company_end,
                content=s.content or s.name,
            )
            for s in stages
        ),
        working_time=c.WorkingTime(schedule=DEFAULT_SCHEDULE),
        pay=c.Pay(monthly_amount=placement.monthly_pay, pay_day=PAY_DAY),
        insurance=c.Insurance(
            liability=_policy(policies[InsuranceKind.LIABILITY]),
            work_injury=_policy(policies[InsuranceKind.WORK_INJURY]),
            premium_payer="甲方" if policies[InsuranceKind.LIABILITY].premium_paid_by == "school" else "乙方",
        ),
        living=c.Living(
            board=placement.board_and_lodging or DEFAULT_BOARD,
            lodging=placement.board_and_lodging or DEFAULT_BOARD,
            leave=DEFAULT_LEAVE,
        ),
    )
