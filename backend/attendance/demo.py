"""Demo data for the working day, for the demo app to call after its own data exists (nothing here imports it).

Idempotent: a second call finds everything in place and creates nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.companies.models import Company
from backend.core.clock import RULES_ZONE, local_date
from backend.core.errors import ApplicationError
from backend.placements.models import Placement, PlacementStatus
from backend.schools.models import School

from . import services, totp
from .models import LeaveRequest, MakeUpRequest, TeacherAssignment, WorkSite, WorkSitePost

TEACHER_USERNAME = "teacher1"
LIVE = PlacementStatus.LIVE


@transaction.atomic
def seed_attendance_demo(*, password: str) -> dict[str, Any]:
    """A work site per company (every post of the company works there), and a supervising teacher login
    ``teacher1`` in the first school, assigned (by the school's coordinator) to its live placements; for one of
    its apprentices a pending make-up, a pending leave and an approved leave."""
    sites = links = 0
    for company in Company.objects.order_by("id"):
        site = WorkSite.objects.filter(company=company).order_by("id").first()
        if site is None:
            site = WorkSite.objects.create(
                company=company, name="主厂区", address=company.address, secret=totp.new_secret()
            )
            sites += 1
        for post in company.posts.filter(work_site_link__isnull=True):
            WorkSitePost.objects.create(post=post, site=site)
            links += 1
    assigned = 0
    school = School.objects.order_by("id").first()
    teacher = User.objects.filter(username=TEACHER_USERNAME).first()
    if school is not None and teacher is None:
        teacher = User(
            username=TEACHER_USERNAME,
            role=Role.TEACHER,
            school=school,
            display_name="王老师",
            phone="13900009901",
        )
        teacher.set_password(password)
        teacher.save()
    coordinator = (
        User.objects.filter(role=Role.COORDINATOR, school=school, is_active=True).order_by("id").first()
    )
    if teacher is not None and coordinator is not None:
        waiting = list(
            Placement.objects.filter(pilot__school=teacher.school, status__in=LIVE).exclude(
                pk__in=TeacherAssignment.objects.values("placement_id")
            )
        )
        if waiting:
            assigned = len(services.teachers_assign(actor=coordinator, placements=waiting, teacher=teacher))
    requests = _seed_requests(teacher) if teacher is not None else 0
    return {
        "sites": sites,
        "posts_linked": links,
        "assigned": assigned,
        "teacher": TEACHER_USERNAME,
        "requests": requests,
    }


def _seed_requests(teacher: User) -> int:
    """For one apprentice of teacher1 with a login (student1 first) and a mentor with a login: a pending make-up
    (yesterday, a whole day not clocked), a pending leave (in three days) and a leave approved by both (three days
    ago). Skipped when the apprentice has any already, or when the dates fall outside the placement."""
    placement = (
        Placement.objects.filter(
            teacher_assignment__teacher=teacher,
            status=PlacementStatus.ACTIVE,
            student__user__isnull=False,
            mentor__user__isnull=False,
        )
        .select_related("student__user", "mentor__user")
        .order_by("student__user__username", "id")
        .first()
    )
    if placement is None or (
        MakeUpRequest.objects.filter(placement=placement).exists()
        or LeaveRequest.objects.filter(placement=placement).exists()
    ):
        return 0
    assert placement.mentor is not None
    student, mentor = placement.student.user, placement.mentor.user
    now = timezone.now()
    today = local_date(now)
    yesterday = today - dt.timedelta(days=1)
    made = 0
    try:
        with transaction.atomic():
            start = dt.datetime.combine(yesterday, dt.time(9), tzinfo=RULES_ZONE)
            services.makeup_request(
                actor=student,
                kind="in",
                at=start,
                end_at=start + dt.timedelta(hours=8),
                reason="手机没电，忘记打卡",
                now=now,
            )
            made += 1
    except ApplicationError:
        pass
    for offset, kind, reason, approve in ((3, "personal", "家中有事", False), (-3, "sick", "发烧就医", True)):
        day = today + dt.timedelta(days=offset)
        try:
            with transaction.atomic():
                leave = services.leave_request(
                    actor=student,
                    kind=kind,
                    start_date=day,
                    end_date=day,
                    hours=Decimal("8"),
                    reason=reason,
                    today=today,
                )
                if approve:
                    services.leave_decide(actor=mentor, leave=leave, approve=True)
                    services.leave_decide(actor=teacher, leave=leave, approve=True)
                made += 1
        except ApplicationError:
            pass
    return made
