"""Reads for the training standard: the plan in force, an apprentice's progress, who is behind the plan, the
evidence behind a claim. Each loads its rows once and hands plain values to the pure rules (backend/training/rules.py)."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django.db.models import DurationField, ExpressionWrapper, F, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncDate

from backend.accounts.scoping import scope_queryset
from backend.core.clock import RULES_ZONE
from backend.rules.models import Shift, ShiftKind

from . import rules
from .models import (
    Competency,
    Evaluation,
    EvaluationStatus,
    PlanStatus,
    RotationAssignment,
    RotationStatus,
    RotationStep,
    SignOff,
    SignOffStatus,
    TrainingEnrolment,
    TrainingPlan,
)

HOUR = Decimal("3600")


def plan_in_force(*, pilot_id: int, on: datetime.date) -> TrainingPlan | None:
    """The approved version of the pilot's plan that applies to an apprentice starting on `on`."""
    return (
        TrainingPlan.objects.filter(pilot_id=pilot_id, status=PlanStatus.APPROVED, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )


def held_to_standard(placement: Any) -> bool:
    """Whether a training plan applies to the placement (it is pinned to a version, or an approved version was in
    force on its start date): then reaching the training standard, not a passed assessment, earns its grant
    (registered with backend.subsidy.services.register_standard_rule). A placement that started before its pilot's
    first plan keeps the assessment trigger."""
    if TrainingEnrolment.objects.filter(placement_id=placement.pk).exists():
        return True
    return plan_in_force(pilot_id=placement.pilot_id, on=placement.start_date) is not None


def plans_visible(user: Any) -> QuerySet[TrainingPlan]:
    return scope_queryset(user, TrainingPlan.objects.select_related("pilot").order_by("pilot", "-version"))


def enrolments_visible(user: Any) -> QuerySet[TrainingEnrolment]:
    return scope_queryset(
        user,
        TrainingEnrolment.objects.select_related(
            "placement__student", "placement__post__company", "placement__mentor", "placement__pilot", "plan"
        ),
    )


def hours_worked(*, placement_id: int, start: datetime.date, end: datetime.date | None) -> Decimal:
    """Hours of actual shifts (实际出勤) of the placement that start between `start` and `end` (days in the rules'
    zone, Asia/Shanghai)."""
    shifts = (
        Shift.objects.filter(placement_id=placement_id, kind=ShiftKind.ACTUAL)
        .annotate(day=TruncDate("start_at", tzinfo=RULES_ZONE))
        .filter(day__gte=start)
    )
    if end is not None:
        shifts = shifts.filter(day__lte=end)
    total = shifts.aggregate(
        d=Sum(ExpressionWrapper(F("end_at") - F("start_at"), output_field=DurationField()))
    )["d"]
    if not total:
        return Decimal("0.00")
    return (Decimal(total.total_seconds()) / HOUR).quantize(Decimal("0.01"))


def _rotation_steps(plan_ids: Collection[int]) -> QuerySet[RotationStep]:
    return (
        RotationStep.objects.filter(plan_id__in=plan_ids)
        .select_related("standard__post", "stage")
        .order_by("order")
    )


def _step_progress(
    enrolment: TrainingEnrolment,
    step: RotationStep,
    a: RotationAssignment | None,
    *,
    today: datetime.date,
) -> dict[str, Any]:
    done = (
        hours_worked(placement_id=enrolment.placement_id, start=a.started_on, end=a.ended_on)
        if a
        else Decimal("0.00")
    )
    return {
        "step": step,
        "order": step.order,
        "post": step.standard.post,
        "stage": step.stage,
        "weeks": step.weeks,
        "planned_hours": step.hours,
        "done_hours": done,
        "status": a.status if a else "upcoming",
        "started_on": a.started_on if a else None,
        "ended_on": a.ended_on if a else None,
        "behind": _step_behind(step, a, today=today),
    }


def _step_behind(step: RotationStep, a: RotationAssignment | None, *, today: datetime.date) -> bool:
    return a is not None and rules.behind_plan(
        started_on=a.started_on, weeks=step.weeks, finished=a.status == RotationStatus.DONE, today=today
    )


def rotation_progress(enrolment: TrainingEnrolment, *, today: datetime.date) -> list[dict[str, Any]]:
    """Every step of the pinned plan's rotation with its status, dates, planned and done hours, and whether the
    apprentice is behind on it."""
    assignments = {a.step_id: a for a in RotationAssignment.objects.filter(enrolment=enrolment)}
    return [
        _step_progress(enrolment, step, assignments.get(step.pk), today=today)
        for step in _rotation_steps([enrolment.plan_id])
    ]


def scheme_figures(plan: TrainingPlan) -> rules.SchemeFigures:
    scheme = plan.scheme
    parties = list(scheme.parties.all())
    return rules.SchemeFigures(
        scale=scheme.scale,
        pass_points=scheme.pass_points,
        weights={p.party: p.weight for p in parties},
        required=frozenset(p.party for p in parties if p.required),
    )


def enrolment_standard(
    enrolment: TrainingEnrolment, *, today: datetime.date
) -> tuple[rules.Standard, dict[str, Any]]:
    """The standard as of now, and the evidence behind it (kept with the claim when it accrues)."""
    required = list(
        Competency.objects.filter(standard__plan_id=enrolment.plan_id, required=True).values_list(
            "pk", "code"
        )
    )
    confirmed = list(
        SignOff.objects.filter(enrolment=enrolment, status=SignOffStatus.CONFIRMED).select_related(
            "competency"
        )
    )
    evaluations = list(Evaluation.objects.filter(enrolment=enrolment, status=EvaluationStatus.RECORDED))
    combined = rules.combine(
        scheme_figures(enrolment.plan),
        {e.party: rules.Result(grade=e.grade, points=e.points) for e in evaluations},
    )
    progress = rotation_progress(enrolment, today=today)
    standard = rules.standard_reached(
        required_competencies=[code for _, code in required],
        confirmed_competencies=[s.competency.code for s in confirmed],
        evaluation=combined,
        rotation=[
            rules.StepProgress(
                p["order"], p["planned_hours"], p["done_hours"], p["status"] == RotationStatus.DONE
            )
            for p in progress
        ],
    )
    evidence = {
        "plan": enrolment.plan_id,
        "plan_version": enrolment.plan.version,
        "competencies": [
            {
                "code": s.competency.code,
                "name": s.competency.name,
                "mentor": s.mentor_name,
                "mentor_at": s.mentor_at.isoformat() if s.mentor_at else None,
                "teacher": s.teacher_name,
                "teacher_at": s.teacher_at.isoformat() if s.teacher_at else None,
            }
            for s in confirmed
        ],
        "evaluations": [
            {
                "party": e.party,
                "grade": e.grade,
                "points": str(e.points) if e.points is not None else None,
                "evaluator": e.evaluator_name,
                "certificate_number": e.certificate_number,
            }
            for e in evaluations
        ],
        "combined": {
            "points": str(combined.points) if combined.points is not None else None,
            "grade": combined.grade,
        },
        "hours": [
            {"post": p["post"].title, "planned": str(p["planned_hours"]), "done": str(p["done_hours"])}
            for p in progress
        ],
    }
    return standard, evidence


def behind_plan(user: Any, *, today: datetime.date) -> list[dict[str, Any]]:
    """The apprentices the user may see who are behind their rotation plan (a step over its planned weeks), with
    those steps as rotation_progress gives them. The plans' steps and the assignments are read once for all; only
    a step shown (behind) reads its hours."""
    enrolments = list(enrolments_visible(user).filter(rotations__status=RotationStatus.CURRENT).distinct())
    steps: dict[int, list[RotationStep]] = {}
    for step in _rotation_steps({e.plan_id for e in enrolments}):
        steps.setdefault(step.plan_id, []).append(step)
    assignments = {
        (a.enrolment_id, a.step_id): a for a in RotationAssignment.objects.filter(enrolment__in=enrolments)
    }
    out = []
    for enrolment in enrolments:
        behind = [
            _step_progress(enrolment, step, assignments[enrolment.pk, step.pk], today=today)
            for step in steps.get(enrolment.plan_id, [])
            if _step_behind(step, assignments.get((enrolment.pk, step.pk)), today=today)
        ]
        if behind:
            out.append({"enrolment": enrolment, "steps": behind})
    return out


def claims_with_standard_evidence(claims: QuerySet[Any]) -> QuerySet[Any]:
    """Claims with what claim_standard_summary reads fetched for the whole list (the claim's standard events and
    its placement's record): two queries for a page of claims instead of up to two a row."""
    from backend.subsidy.models import ClaimEvent
    from backend.subsidy.services import STANDARD_EVENT

    return claims.prefetch_related(
        Prefetch(
            "events",
            queryset=ClaimEvent.objects.filter(action=STANDARD_EVENT).order_by("id"),
            to_attr="standard_events",
        ),
        Prefetch("placement__training", queryset=TrainingEnrolment.objects.only("pk", "placement_id")),
    )


def claim_evidence(claim: Any) -> dict[str, Any] | None:
    """The training evidence kept when the claim accrued on the standard (None for an assessment-earned claim)."""
    from backend.subsidy.services import STANDARD_EVENT

    if hasattr(claim, "standard_events"):  # claims_with_standard_evidence
        event = claim.standard_events[0] if claim.standard_events else None
    else:
        event = claim.events.filter(action=STANDARD_EVENT).order_by("id").first()
    return event.details if event else None


def _record_of(claim: Any) -> int | None:
    if hasattr(claim, "standard_events"):  # the placement's record came with it
        record = getattr(claim.placement, "training", None)
        return record.pk if record is not None else None
    return (
        TrainingEnrolment.objects.filter(placement_id=claim.placement_id).values_list("pk", flat=True).first()
    )


def claim_standard_summary(claim: Any) -> dict[str, Any] | None:
    """For a claim's row: the record it was earned on (its page), the number of competencies signed by both
    mentors, the signatories, the combined grade and the hours done across the rotation. None for an
    assessment-earned claim."""
    evidence = claim_evidence(claim)
    if evidence is None:
        return None
    competencies = evidence.get("competencies", [])
    signatories = sorted({c["mentor"] for c in competencies} | {c["teacher"] for c in competencies})
    hours = sum((Decimal(h["done"]) for h in evidence.get("hours", [])), Decimal("0.00"))
    return {
        "record": _record_of(claim),
        "competencies": len(competencies),
        "signatories": "、".join(s for s in signatories if s),
        "grade": (evidence.get("combined") or {}).get("grade", ""),
        "hours": hours,
    }


def rotation_not_started(user: Any, *, limit: int = 200) -> list[Any]:
    """The active placements the user may see that are held to a training plan and whose rotation has not started
    (no post recorded yet): what the coordinator and HR start from the training page. Plans are read once per
    pilot, not per placement."""
    from backend.placements.models import Placement, PlacementStatus

    placements = list(
        scope_queryset(
            user,
            Placement.objects.filter(status=PlacementStatus.ACTIVE)
            .exclude(training__rotations__isnull=False)
            .select_related("student", "post__company", "pilot")
            .order_by("start_date", "pk"),
        )[:limit]
    )
    starts: dict[int, list[datetime.date]] = {}
    for pilot_id, valid_from in TrainingPlan.objects.filter(
        pilot_id__in={p.pilot_id for p in placements}, status=PlanStatus.APPROVED
    ).values_list("pilot_id", "valid_from"):
        starts.setdefault(pilot_id, []).append(valid_from)
    enrolled = set(
        TrainingEnrolment.objects.filter(placement__in=placements).values_list("placement_id", flat=True)
    )
    return [
        p
        for p in placements
        if p.pk in enrolled or any(d <= p.start_date for d in starts.get(p.pilot_id, []))
    ]
