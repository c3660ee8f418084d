"""Reads for attendance, always through the tenant scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet

from backend.accounts.models import Role, User
from backend.accounts.scoping import scope_queryset
from backend.placements.models import Placement, PlacementStatus

from . import chain, totp
from .models import (
    AttendanceRecord,
    LeaveRequest,
    MakeUpRequest,
    PeriodStatus,
    RequestStatus,
    TeacherAssignment,
    WorkPeriod,
    WorkSite,
)

KIOSK_ROLES = (Role.HR, Role.MENTOR)


def teacher_list(*, school_id: int) -> QuerySet[User]:
    return User.objects.filter(role=Role.TEACHER, school_id=school_id, is_active=True).order_by(
        "display_name"
    )


def teacher_placement_list(*, user: Any) -> QuerySet[Placement]:
    """The placements the user sees, with the student, post, mentor and teacher joined up front."""
    return scope_queryset(
        user,
        Placement.objects.select_related(
            "student", "post__company", "mentor", "pilot", "teacher_assignment__teacher"
        ).order_by("student__name", "id"),
    )


def assignment_list(*, user: Any) -> QuerySet[TeacherAssignment]:
    return scope_queryset(user, TeacherAssignment.objects.select_related("placement__student", "teacher"))


def work_site_list(*, user: Any) -> QuerySet[WorkSite]:
    return scope_queryset(
        user, WorkSite.objects.select_related("company").prefetch_related("post_links__post")
    )


def kiosk_site(*, user: Any, pk: int) -> WorkSite | None:
    """A site whose kiosk the user may open: HR of its company or one of its company's mentors."""
    if not (user.role in KIOSK_ROLES or user.sees_everything) or user.is_read_only:
        return None
    return work_site_list(user=user).filter(pk=pk, active=True).first()


@dataclass(frozen=True)
class KioskCode:
    site: int
    code: str
    step: int
    seconds_left: int
    payload: str  # what the QR carries: the clock page's address with the site and the code


def kiosk_code(*, site: WorkSite, now: dt.datetime, clock_url: str, step: int | None = None) -> KioskCode:
    """The code the kiosk shows now (or of ``step``: the caller allows only the current or the previous one)."""
    step = totp.step_of(now) if step is None else step
    code = totp.code_for(site.secret, step)
    payload = f"{clock_url}?{urlencode({'site': site.pk, 'code': code})}"
    return KioskCode(site.pk, code, step, totp.seconds_left(now), payload)


def student_sites_today(*, user: Any, day: dt.date) -> list[WorkSite]:
    """The sites where the apprentice has an active placement today."""
    if user.role != Role.STUDENT or not user.student_id:
        return []
    return list(
        WorkSite.objects.filter(
            active=True,
            post_links__post__placements__student_id=user.student_id,
            post_links__post__placements__status=PlacementStatus.ACTIVE,
            post_links__post__placements__start_date__lte=day,
            post_links__post__placements__end_date__gte=day,
        ).distinct()
    )


def period_list(*, user: Any) -> QuerySet[WorkPeriod]:
    return scope_queryset(
        user,
        WorkPeriod.objects.select_related(
            "placement__student", "placement__post", "site", "clock_in", "clock_out", "attested_by"
        ).order_by("-day", "clock_in__at"),
    )


def open_period(*, user: Any) -> WorkPeriod | None:
    if not getattr(user, "student_id", None):
        return None
    return period_list(user=user).filter(student_id=user.student_id, status=PeriodStatus.OPEN).first()


def mentor_waiting_days(*, user: Any) -> list[tuple[dt.date, int]]:
    """The days with clock-in/out pairs of the mentor's apprentices still waiting for the countersignature,
    the latest first, with how many wait."""
    from django.db.models import Count

    rows = (
        period_list(user=user)
        .filter(placement__mentor_id=user.mentor_id, status=PeriodStatus.CLOSED)
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
        .order_by("-day")
    )
    return [(row["day"], row["n"]) for row in rows[:14]]


def mentor_day(*, user: Any, day: dt.date) -> list[WorkPeriod]:
    """The day's clock-in/out pairs of the mentor's apprentices."""
    return list(period_list(user=user).filter(day=day, placement__mentor_id=user.mentor_id))


def chain_check(*, placement: Placement) -> chain.ChainCheck:
    links = (
        chain.Link(r.seq, r.content, r.prev_hash, r.hash)
        for r in AttendanceRecord.objects.filter(placement=placement).order_by("seq").iterator()
    )
    return chain.verify(links)


def makeup_list(*, user: Any) -> QuerySet[MakeUpRequest]:
    return scope_queryset(
        user, MakeUpRequest.objects.select_related("placement__student", "student", "decided_by", "period")
    )


def leave_list(*, user: Any) -> QuerySet[LeaveRequest]:
    return scope_queryset(
        user, LeaveRequest.objects.select_related("placement__student", "student", "mentor_by", "teacher_by")
    )


def makeups_waiting(*, user: Any) -> list[MakeUpRequest]:
    """The make-ups waiting for this mentor's decision."""
    if user.role != Role.MENTOR or not user.mentor_id:
        return []
    return list(
        makeup_list(user=user)
        .filter(placement__mentor_id=user.mentor_id, status=RequestStatus.PENDING)
        .order_by("day", "id")
    )


def leave_waiting(*, user: Any) -> list[LeaveRequest]:
    """The leave waiting for this mentor's or teacher's own decision."""
    qs = leave_list(user=user).filter(status=RequestStatus.PENDING).order_by("start_date", "id")
    if user.role == Role.MENTOR and user.mentor_id:
        return list(qs.filter(placement__mentor_id=user.mentor_id, mentor_decision=""))
    if user.role == Role.TEACHER:
        return list(qs.filter(placement__teacher_assignment__teacher_id=user.pk, teacher_decision=""))
    return []


RECORD_ROLES = (Role.STUDENT, Role.COORDINATOR, Role.TEACHER, Role.HR, Role.MENTOR)


def record_placements(*, user: Any) -> QuerySet[Placement]:
    """The placements whose sealed attendance record the user may download (apprentice, school, company)."""
    if getattr(user, "role", None) not in RECORD_ROLES:
        return Placement.objects.none()
    return scope_queryset(user, Placement.objects.select_related("student", "pilot", "post")).order_by("id")


def clock_violations(*, placement_id: int, ids: tuple[int, ...]) -> list[tuple[str, str, str]]:
    """What a clock just raised (rule code, Chinese, English), only the placement's own."""
    from .rules_bridge import violation_texts

    return violation_texts(placement_id=placement_id, ids=ids) if ids else []
