"""Demo data for the working day, for the demo app to call after its own data exists (nothing here imports it).

Idempotent: a second call finds everything in place and creates nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from backend.accounts.models import Role, User
from backend.companies.models import Company
from backend.placements.models import Placement, PlacementStatus
from backend.schools.models import School

from . import services, totp
from .models import TeacherAssignment, WorkSite, WorkSitePost

TEACHER_USERNAME = "teacher1"
LIVE = PlacementStatus.LIVE


@transaction.atomic
def seed_attendance_demo(*, password: str) -> dict[str, Any]:
    """A work site per company (every post of the company works there), and a supervising teacher login
    ``teacher1`` in the first school, assigned (by the school's coordinator) to its live placements."""
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
    return {"sites": sites, "posts_linked": links, "assigned": assigned, "teacher": TEACHER_USERNAME}
