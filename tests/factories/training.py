"""Training-standard factories. Plans are made through the service (`approved_plan`), so that every version is
proposed by the school and approved by each company, as in production."""

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from backend.companies.models import Post
from backend.placements.models import PilotProject, Placement
from backend.rules.models import Shift, ShiftKind
from backend.training import services
from backend.training.models import Competency, TrainingPlan

from .companies import PostFactory


def plan_content(posts: list[Post], *, competencies: int = 2, hours: str = "8") -> dict[str, Any]:
    """Two stages, one post standard per post with `competencies` required competencies each, one rotation step per
    post of `hours` hours over 4 weeks, and a grade scheme: mentor 0.4, teacher 0.3, company 0.3 (all required)."""
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
                    {
                        "code": f"P{i}C{j}",
                        "name": f"{post.title}能力{j}",
                        "level": "独立操作",
                        "practice_hours": "4",
                        "assessed_by": "mentor",
                    }
                    for j in range(1, competencies + 1)
                ],
            }
            for i, post in enumerate(posts, start=1)
        ],
        "rotation": [
            {"order": i, "stage": 1 if i == 1 else 2, "post": post, "weeks": 4, "hours": hours}
            for i, post in enumerate(posts, start=1)
        ],
        "scheme": {
            "scale": "grades",
            "pass_points": "60",
            "parties": [
                {"party": "mentor", "weight": "0.4"},
                {"party": "teacher", "weight": "0.3"},
                {"party": "company", "weight": "0.3"},
            ],
        },
    }


def approved_plan(
    pilot: PilotProject,
    posts: list[Post] | None = None,
    *,
    valid_from: datetime.date = datetime.date(2026, 1, 1),
    **content: Any,
) -> TrainingPlan:
    posts = posts or [PostFactory(company=pilot.companies.first())]
    for post in posts:
        pilot.companies.add(post.company)
    data = plan_content(posts, **content)
    plan = services.training_plan_propose(
        pilot=pilot, actor=None, title=f"{pilot.name}人才培养方案", valid_from=valid_from, **data
    )
    for company in pilot.companies.all():
        services.training_plan_approve(plan=plan, actor=None, company=company)
    plan.refresh_from_db()
    return plan


def work(placement: Placement, day: datetime.date, hours: int = 8) -> Shift:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 0)))
    return Shift.objects.create(
        placement=placement,
        kind=ShiftKind.ACTUAL,
        start_at=start,
        end_at=start + datetime.timedelta(hours=hours),
    )


def competencies(plan: TrainingPlan) -> list[Competency]:
    return list(Competency.objects.filter(standard__plan=plan).order_by("standard_id", "code"))


def complete_rotation(placement: Placement, plan: TrainingPlan, start: datetime.date) -> None:
    """Work each rotation step's hours, moving on after each (the last move finishes the rotation)."""
    day = start
    services.rotation_move(placement=placement, actor=None, on=day)
    for step in plan.rotation.order_by("order"):
        for _ in range(int(step.hours / Decimal(8))):
            work(placement, day)
            day += datetime.timedelta(days=1)
        services.rotation_move(placement=placement, actor=None, on=day)
