"""Demo data for the training standard: the first pilot's plan, approved by its companies, and its apprentices at
different points of it; all but the last reach the standard, which accrues their grants with the evidence (the
pilot has a plan, so the standard is what earns them: backend.subsidy.services.earned_by_standard). The assigned
supervising teacher (teacher1, backend/attendance/demo.py) confirms the sign-offs and gives the teacher's evaluation;
the last apprentice has a sign-off waiting for that teacher. Called by the demo story (backend/demo/story.py) after
the attendance demo and before the subsidy demo.

Idempotent: a pilot that already has a training plan is left as it is."""

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.companies.models import Post
from backend.core.clock import local_date
from backend.placements.models import PilotProject, Placement, PlacementStatus
from backend.rules.models import Shift, ShiftKind

from . import services
from .models import Competency, TrainingPlan

COMPETENCIES = [
    ("A01", "识读零件图与工艺卡", "独立识读"),
    ("A02", "设备点检与安全操作", "规范操作"),
    ("A03", "首件检验与记录", "独立完成"),
]


def _content(posts: list[Post]) -> dict[str, Any]:
    return {
        "stages": [
            {"number": 1, "name": "岗位认知", "school_months": 4, "company_months": 1},
            {"number": 2, "name": "岗位操作", "school_months": 3, "company_months": 2},
        ],
        "standards": [
            {
                "post": post,
                "name": f"{post.title}岗位标准",
                "competencies": [
                    {"code": f"{code}-{i}", "name": name, "level": level, "practice_hours": "8"}
                    for code, name, level in COMPETENCIES[: 3 if i == 1 else 2]
                ],
            }
            for i, post in enumerate(posts, start=1)
        ],
        "rotation": [
            {"order": i, "stage": min(i, 2), "post": post, "weeks": 4, "hours": "16"}
            for i, post in enumerate(posts, start=1)
        ],
        "scheme": {
            "scale": "grades",
            "pass_points": "60",
            "parties": [
                {"party": "mentor", "weight": "0.4"},
                {"party": "teacher", "weight": "0.3"},
                {"party": "company", "weight": "0.3"},
                {"party": "self", "weight": "0", "required": False},
            ],
        },
    }


def _mentor_user(placement: Placement) -> Any:
    return User.objects.filter(role=Role.MENTOR, mentor=placement.mentor).first()


def _reach(placement: Placement, teacher: Any, now: datetime.datetime) -> bool:
    """Rotate through the plan's posts over the apprentice's worked days, sign off and evaluate everything."""
    days = sorted(
        {
            local_date(s.start_at)
            for s in Shift.objects.filter(placement=placement, kind=ShiftKind.ACTUAL, end_at__lte=now)
        }
    )
    enrolment = services.enrolment_ensure(placement)
    steps = enrolment.plan.rotation.count()
    if len(days) < 2 * steps:
        return False
    moves = [days[0]] + [days[2 * i] for i in range(1, steps)] + [days[-1] + datetime.timedelta(days=1)]
    for day in moves:
        services.rotation_move(placement=placement, actor=None, on=day)
    mentor = _mentor_user(placement)
    hr = User.objects.filter(role=Role.HR, company=placement.post.company).first()
    services.evaluation_record(placement=placement, party="company", grade="good", actor=hr, now=now)
    services.evaluation_record(placement=placement, party="teacher", grade="good", actor=teacher, now=now)
    services.evaluation_record(placement=placement, party="mentor", grade="excellent", actor=mentor, now=now)
    for competency in Competency.objects.filter(standard__plan=enrolment.plan).order_by("id"):
        sign_off = services.competency_sign(
            placement=placement,
            competency=competency,
            actor=mentor,
            evidence_text="岗位实操, 师傅现场评定",
            now=now,
        )
        services.sign_off_confirm(sign_off=sign_off, actor=teacher, now=now)
    return True


def _teacher_for(placement: Placement, coordinator: Any) -> Any:
    """The supervising teacher assigned to the placement (teacher1 in the demo), else the school's coordinator."""
    from django.apps import apps

    if apps.is_installed("backend.attendance"):
        from backend.attendance.models import TeacherAssignment

        assignment = TeacherAssignment.objects.filter(placement=placement).select_related("teacher").first()
        if assignment is not None:
            return assignment.teacher
    return coordinator


def _claims_in_states(placements: list[Placement], now: datetime.datetime) -> None:
    """The standard's claims, in turn: paid, approved, and accrued beyond the budget (the budget raised by the
    first two only), so the bureau sees every step of the money on evidence."""
    from backend.subsidy.models import Claim, PilotBudget
    from backend.subsidy.services import batch_pay, claim_approve, pilot_budget_set

    finance = User.objects.filter(role=Role.BUREAU, is_active=True).order_by("id").first()
    claims = [
        c
        for c in (
            Claim.objects.filter(student_id=p.student_id, pilot_id=p.pilot_id).first() for p in placements
        )
        if c is not None and not c.held
    ]
    if finance is None:
        return
    approved = []
    for claim in claims[:2]:
        budget = PilotBudget.objects.filter(pilot_id=claim.pilot_id, year=claim.budget_year).first()
        amount = (budget.amount if budget else Decimal("0.00")) + claim.amount
        pilot_budget_set(pilot=claim.pilot, year=claim.budget_year, amount=amount, actor=finance)
        approved.append(claim_approve(claim=claim, actor=finance, now=now))
    if approved:
        today = local_date(now)
        batch_pay(
            claims=approved[:1],
            reference=f"DEMO-STD-{today:%Y%m%d}-{approved[0].pk}",
            paid_on=today,
            actor=finance,
            now=now,
        )


@transaction.atomic
def seed_training_demo(
    *, pilot: PilotProject | None = None, now: datetime.datetime | None = None
) -> dict[str, Any]:
    now = now or timezone.now()
    pilot = pilot or PilotProject.objects.order_by("id").first()
    if pilot is None or TrainingPlan.objects.filter(pilot=pilot).exists():
        return {}
    placements = list(pilot.placements.filter(status=PlacementStatus.ACTIVE).order_by("id"))
    posts = list(
        Post.objects.filter(company__in=pilot.companies.all(), hazard_tags=[]).order_by("id")[:2]
    ) or [p.post for p in placements[:1]]
    for placement in placements:
        if placement.post not in posts:
            posts = [placement.post, *posts][:2]
    if not posts:
        return {}
    from backend.subsidy.services import subsidy_policy_ensure_default

    subsidy_policy_ensure_default()  # seeded by migration; a database flushed by tests may lack it
    coordinator = User.objects.filter(role=Role.COORDINATOR, school=pilot.school).order_by("id").first()
    start = min((p.start_date for p in placements), default=local_date(now))
    plan = services.training_plan_propose(
        pilot=pilot,
        actor=coordinator,
        title=f"{pilot.program.name}专业现代学徒制人才培养方案",
        valid_from=min(start, datetime.date(pilot.year, 1, 1)),
        summary="校企共同制定: 岗位认知、岗位操作两个阶段, 在合作企业的岗位群轮训, 五方评价。",
        mentor_standard="企业技术骨干, 高级工及以上, 从业5年以上, 每人带徒2-5名。",
        **_content(posts),
    )
    for company in pilot.companies.all():
        hr = User.objects.filter(role=Role.HR, company=company).order_by("id").first()
        services.training_plan_approve(plan=plan, actor=hr, company=company, now=now)
    result: dict[str, Any] = {"plan": plan.pk, "reached": [], "in_rotation": []}
    # The pilot's plan is what earns its grants: all but the last apprentice reach the standard (their claims are
    # paid, approved and accrued in turn); the last is at the first post, a sign-off waiting for the teacher.
    reaching = placements[:-1] if len(placements) > 1 else placements
    first = Competency.objects.filter(standard__plan=plan).order_by("id").first()
    for placement in placements:
        teacher = _teacher_for(placement, coordinator)
        if placement in reaching and _reach(placement, teacher, now):
            result["reached"].append(placement.pk)
            continue
        services.rotation_move(placement=placement, actor=None, on=placement.start_date)
        if first is not None:
            services.competency_sign(
                placement=placement,
                competency=first,
                actor=_mentor_user(placement),
                evidence_text="岗位实操记录",
                now=now,
            )
        result["in_rotation"].append(placement.pk)
    _claims_in_states([p for p in placements if p.pk in result["reached"]], now)
    return result
