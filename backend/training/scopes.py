"""Who sees the training standard's rows. The plan: the pilot's school and companies (and, through their
placements, the pilot's mentors and apprentices); an apprentice's record: whoever sees the placement
(backend/placements/scopes.py). The bureau sees everything (read-only)."""

from django.apps import apps
from django.db.models import Q

from backend.accounts.models import Role
from backend.accounts.scoping import ScopeRule, by_role, register_role_scope, register_scope
from backend.placements.scopes import placements_q

from .models import (
    AssessmentScheme,
    Competency,
    Evaluation,
    PlanApproval,
    PlanStage,
    PostStandard,
    RotationAssignment,
    RotationStep,
    SchemeParty,
    SealedRecord,
    SignOff,
    TrainingEnrolment,
    TrainingPlan,
)


def plans_q(prefix: str = "") -> ScopeRule:
    p = prefix
    return by_role(
        coordinator=lambda u: Q(**{f"{p}pilot__school_id": u.school_id}),
        hr=lambda u: Q(**{f"{p}pilot__companies__id": u.company_id}),
        mentor=lambda u: Q(**{f"{p}pilot__placements__mentor_id": u.mentor_id}),
        student=lambda u: Q(**{f"{p}pilot__placements__student_id": u.student_id}),
        guardian=lambda u: Q(**{f"{p}pilot__placements__student__guardians__id": u.guardian_id}),
    )


register_scope(TrainingPlan)(plans_q())
register_scope(PlanApproval)(plans_q("plan__"))
register_scope(PlanStage)(plans_q("plan__"))
register_scope(PostStandard)(plans_q("plan__"))
register_scope(Competency)(plans_q("standard__plan__"))
register_scope(RotationStep)(plans_q("plan__"))
register_scope(AssessmentScheme)(plans_q("plan__"))
register_scope(SchemeParty)(plans_q("scheme__plan__"))

register_scope(TrainingEnrolment)(lambda u: placements_q(u, "placement__"))
register_scope(SignOff)(lambda u: placements_q(u, "enrolment__placement__"))
register_scope(Evaluation)(lambda u: placements_q(u, "enrolment__placement__"))
register_scope(RotationAssignment)(lambda u: placements_q(u, "enrolment__placement__"))


# The supervising teacher (role teacher, backend.attendance) sees the records of the placements assigned to them,
# and the plans of those placements' pilots.
def _teacher_placements_q(prefix: str) -> ScopeRule:
    return lambda u: Q(**{f"{prefix}teacher_assignment__teacher_id": u.id})


if apps.is_installed("backend.attendance"):
    for _model, _prefix in (
        (TrainingPlan, "pilot__placements__"),
        (PlanApproval, "plan__pilot__placements__"),
        (PlanStage, "plan__pilot__placements__"),
        (PostStandard, "plan__pilot__placements__"),
        (Competency, "standard__plan__pilot__placements__"),
        (RotationStep, "plan__pilot__placements__"),
        (AssessmentScheme, "plan__pilot__placements__"),
        (SchemeParty, "scheme__plan__pilot__placements__"),
        (TrainingEnrolment, "placement__"),
        (SignOff, "enrolment__placement__"),
        (Evaluation, "enrolment__placement__"),
        (RotationAssignment, "enrolment__placement__"),
    ):
        register_role_scope(_model, Role.TEACHER)(_teacher_placements_q(_prefix))

register_scope(SealedRecord)(lambda u: placements_q(u, "enrolment__placement__"))
if apps.is_installed("backend.attendance"):
    register_role_scope(SealedRecord, Role.TEACHER)(_teacher_placements_q("enrolment__placement__"))
