"""Writes on placements. Gates that other apps enforce (rules, signing) plug in as transition guards."""

from collections.abc import Callable
from typing import Any

from django.db import transaction

from backend.companies.models import Company, Mentor, Post
from backend.core.audit import actor_user, audit_record, model_changes
from backend.core.errors import ApplicationError
from backend.core.services import full_clean_or_raise

from .models import PilotProject, Placement, PlacementEvent, PlacementStage, PlacementStatus

# A guard receives the placement (not yet saved in its new state) and the target status, and raises
# ApplicationError to refuse. Registered by apps that own a rule, e.g. backend.rules in its AppConfig.ready.
TransitionGuard = Callable[[Placement, str], None]
_TRANSITION_GUARDS: list[TransitionGuard] = []


def register_transition_guard(guard: TransitionGuard) -> TransitionGuard:
    if guard not in _TRANSITION_GUARDS:
        _TRANSITION_GUARDS.append(guard)
    return guard


def _lock_capacity_rows(placement: Placement) -> None:
    """Lock the company, the post and the mentor (in that order, always) before the guards count MENTOR_RATIO,
    POST_CAP and COMPANY_CAP: two proposals or activations that share one of them run their count-then-write one
    after the other, and the second counts the first. The fixed order keeps two of them from deadlocking."""
    company_id = Post.objects.values_list("company_id", flat=True).get(pk=placement.post_id)
    list(Company.objects.select_for_update().filter(pk=company_id).values_list("pk"))
    list(Post.objects.select_for_update().filter(pk=placement.post_id).values_list("pk"))
    if placement.mentor_id is not None:
        list(Mentor.objects.select_for_update().filter(pk=placement.mentor_id).values_list("pk"))


def _check_consistency(placement: Placement) -> None:
    """The placement's parts must belong together: the pilot's school and program, a company of the pilot."""
    problems: dict[str, list[str]] = {}
    pilot = placement.pilot
    if placement.student.school_id != pilot.school_id:
        problems["student"] = ["student is not at the pilot's school"]
    elif placement.student.cohort.program_id != pilot.program_id:
        problems["student"] = ["student is not in the pilot's program"]
    if not pilot.companies.filter(pk=placement.post.company_id).exists():
        problems["post"] = ["the post's company is not part of the pilot project"]
    if placement.mentor is not None and placement.mentor.company_id != placement.post.company_id:
        problems["mentor"] = ["the mentor works for another company"]
    if problems:
        raise ApplicationError(
            "PLACEMENT_INCONSISTENT",
            "学徒安排的学校、专业、企业或师傅不匹配",
            "the placement's school, program, company or mentor do not belong together",
            details=problems,
        )


@transaction.atomic
def placement_create(
    *, actor: Any, pilot: PilotProject, stages: list[dict[str, Any]] | None = None, **data: Any
) -> Placement:
    placement = Placement(pilot=pilot, status=PlacementStatus.PROPOSED, **data)
    full_clean_or_raise(placement)
    _check_consistency(placement)
    _lock_capacity_rows(placement)
    for guard in _TRANSITION_GUARDS:
        guard(placement, PlacementStatus.PROPOSED)
    placement.save()
    for number, stage in enumerate(stages or [], start=1):
        stage_obj = PlacementStage(placement=placement, number=stage.pop("number", number), **stage)
        full_clean_or_raise(stage_obj)
        stage_obj.save()
    PlacementEvent.objects.create(
        placement=placement, actor=actor_user(actor), to_status=placement.status, note="created"
    )
    audit_record(actor=actor, action="placement.create", obj=placement, changes=data)
    return placement


@transaction.atomic
def placement_update(*, actor: Any, placement: Placement, data: dict[str, Any]) -> Placement:
    if placement.status not in (PlacementStatus.PROPOSED, PlacementStatus.SIGNING):
        raise ApplicationError(
            "PLACEMENT_LOCKED",
            "在岗、已完成或已终止的学徒安排不能修改",
            "an active, completed or terminated placement cannot be edited",
            status=409,
        )
    changes = model_changes(placement, dict(data))
    full_clean_or_raise(placement)
    _check_consistency(placement)
    if changes:
        _lock_capacity_rows(placement)
        for guard in _TRANSITION_GUARDS:
            guard(placement, PlacementStatus.PROPOSED)
        placement.save()
        audit_record(actor=actor, action="placement.update", obj=placement, changes=changes)
    return placement


@transaction.atomic
def placement_transition(*, placement: Placement, to: str, actor: Any, note: str = "") -> Placement:
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if not placement.can_move_to(to):
        raise ApplicationError(
            "TRANSITION_NOT_ALLOWED",
            f"不能从“{placement.get_status_display()}”变为“{PlacementStatus(to).label}”",
            f"a placement cannot move from {placement.status} to {to}",
            details={
                "from": placement.status,
                "to": to,
                "allowed": sorted(placement.ALLOWED_TRANSITIONS.get(placement.status, ())),
            },
            status=409,
        )
    _lock_capacity_rows(placement)
    for guard in _TRANSITION_GUARDS:
        guard(placement, to)
    from_status = placement.status
    placement.status = to
    placement.save(update_fields=["status", "updated_at"])
    PlacementEvent.objects.create(
        placement=placement, actor=actor_user(actor), from_status=from_status, to_status=to, note=note
    )
    audit_record(
        actor=actor,
        action="placement.transition",
        obj=placement,
        changes={"status": [from_status, to], "note": note},
    )
    return placement
