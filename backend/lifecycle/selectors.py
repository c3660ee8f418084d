"""Reads for pauses, endings and injuries: scoped lists, the parties a notice goes to, the standard on completion."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet

from backend.accounts.scoping import scope_queryset
from backend.core.ids import age_on
from backend.placements.models import Placement

from .models import Completion, InjuryReport, Pause, Termination


def pause_list(*, user: Any) -> QuerySet[Pause]:
    return scope_queryset(user, Pause.objects.select_related("placement__student", "placement__post"))


def termination_list(*, user: Any) -> QuerySet[Termination]:
    return scope_queryset(
        user, Termination.objects.select_related("placement__student", "placement__post", "requested_by")
    )


def completion_list(*, user: Any) -> QuerySet[Completion]:
    return scope_queryset(user, Completion.objects.select_related("placement__student", "placement__post"))


def injury_list(*, user: Any) -> QuerySet[InjuryReport]:
    """The injury reports the user may see: a school's coordinators every report of its pilots' apprentices, a
    company's HR those of its posts, a mentor, teacher, student or guardian those of their own placements."""
    return scope_queryset(
        user,
        InjuryReport.objects.select_related(
            "placement__student", "placement__post__company", "placement__pilot__school", "reported_by"
        ),
    )


def paused_periods(
    placement_ids: Sequence[int] | None, lo: datetime.date, hi: datetime.date
) -> dict[int, list[tuple[datetime.date, datetime.date]]]:
    """Each placement's paused days within lo..hi (inclusive), for the working-time audit (backend.rules.pauses)."""
    qs = Pause.objects.filter(start_date__lte=hi, end_date__gte=lo)
    if placement_ids is not None:
        qs = qs.filter(placement_id__in=list(placement_ids))
    out: dict[int, list[tuple[datetime.date, datetime.date]]] = {}
    for placement_id, start, end in qs.values_list("placement_id", "start_date", "end_date"):
        out.setdefault(placement_id, []).append((max(start, lo), min(end, hi)))
    return out


def open_pause(placement: Placement) -> Pause | None:
    return placement.pauses.filter(resumed_on__isnull=True).order_by("-start_date").first()


def is_minor_on(placement: Placement, day: datetime.date) -> bool:
    from backend.rules.selectors import policy_for_placement

    return age_on(placement.student.birth_date, day) < policy_for_placement(placement).adult_age


def placement_parties(
    placement: Placement, *, guardians: bool, company: bool = True, student: bool = True
) -> list[Any]:
    """The people of a placement, as active user accounts: the school's coordinators, the supervising teacher, the
    company's HR and the mentor (``company``), the apprentice (``student``), and the guardians (``guardians``)."""
    from backend.accounts.models import Role, User

    q = Q(role=Role.COORDINATOR, school_id=placement.pilot.school_id)
    if apps.is_installed("backend.attendance"):
        q |= Q(role=Role.TEACHER, teacher_assignments__placement_id=placement.pk)
    if company:
        q |= Q(role=Role.HR, company_id=placement.post.company_id)
        if placement.mentor_id is not None:
            q |= Q(role=Role.MENTOR, mentor_id=placement.mentor_id)
    if student:
        q |= Q(role=Role.STUDENT, student_id=placement.student_id)
    if guardians:
        q |= Q(role=Role.GUARDIAN, guardian__student_id=placement.student_id)
    return list(User.objects.filter(q, is_active=True).distinct().order_by("pk"))


def standard_on_completion(placement: Placement, *, today: datetime.date) -> tuple[bool, str, list[str]]:
    """Whether the apprentice reached the training standard (学徒培养标准): computed by backend.training from its
    record where one is kept (``training.rules.standard_reached``: competencies signed off by both mentors, the
    evaluation passed, the rotation complete), else a passed assessment. (reached, source, reasons)."""
    if apps.is_installed("backend.training"):
        from backend.training.models import TrainingEnrolment
        from backend.training.selectors import enrolment_standard

        enrolment = TrainingEnrolment.objects.filter(placement=placement).select_related("plan").first()
        if enrolment is not None:
            standard, _evidence = enrolment_standard(enrolment, today=today)
            return standard.reached, "training", [str(r) for r in standard.reasons]
    if apps.is_installed("backend.assessments"):
        from backend.assessments.models import AssessmentStatus

        if placement.assessments.filter(status=AssessmentStatus.PASSED).exists():
            return True, "assessment", []
        return False, "assessment", ["没有考核合格的记录 / no passed assessment"]
    return False, "none", ["没有培养记录 / no training record"]
