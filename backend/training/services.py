"""Writes on the training standard: the plan (propose, approve), sign-offs, evaluations, the rotation, and the
standard itself, re-computed after every write on an apprentice's evidence.

Every write on one apprentice's evidence first locks the placement row, so writes on one apprentice run one after
the other: the write that completes the evidence sees every earlier one and accrues the grant, exactly once (the
subsidy ledger's UNIQUE constraint is the last word). A withdrawn sign-off or a revoked evaluation that undoes the
standard reverses the grant in the same transaction, as a revoked assessment does."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from backend.accounts.models import Role
from backend.core.audit import actor_user, audit_record
from backend.core.clock import local_date, local_today
from backend.core.errors import ApplicationError
from backend.core.uploads import Refusal, validate_upload
from backend.placements.models import PilotProject, Placement, PlacementStatus
from backend.rules import gates
from backend.rules.selectors import policy_for_placement

from . import rules
from .models import (
    LIVE_SIGN_OFF,
    AssessmentScheme,
    Competency,
    Evaluation,
    EvaluationStatus,
    Party,
    PlanApproval,
    PlanStage,
    PlanStatus,
    PostStandard,
    RotationAssignment,
    RotationStatus,
    RotationStep,
    Scale,
    SchemeParty,
    SignOff,
    SignOffStatus,
    TrainingEnrolment,
    TrainingPlan,
)
from .selectors import enrolment_standard, plan_in_force

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_KINDS = ("pdf", "jpeg", "png")  # checked by name and by content (backend.core.uploads)
WEIGHT_TOTAL = Decimal("1")


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _is_system(actor: Any) -> bool:
    """None is the system itself (demo data, an import); admins act for anyone."""
    return (
        actor is None or getattr(actor, "role", None) == Role.ADMIN or getattr(actor, "is_superuser", False)
    )


def _forbidden(message: str, message_en: str) -> ApplicationError:
    return ApplicationError("PERMISSION_DENIED", message, message_en, status=403)


def _name(actor: Any) -> str:
    return str(actor) if actor is not None else "系统"


# ------------------------------------------------------------------------------------------------------------ plan


def _check_plan_content(
    pilot: PilotProject,
    stages: list[dict[str, Any]],
    standards: list[dict[str, Any]],
    rotation: list[dict[str, Any]],
    scheme: dict[str, Any],
) -> None:
    company_ids = set(pilot.companies.values_list("pk", flat=True))
    problems: list[str] = []
    stage_numbers = {s["number"] for s in stages}
    posts = {s["post"].pk for s in standards}
    if any(s["post"].company_id not in company_ids for s in standards):
        problems.append("post_not_in_pilot")
    for step in rotation:
        if step["stage"] not in stage_numbers or step["post"].pk not in posts:
            problems.append(f"rotation_{step['order']}")
    weights = [Decimal(p["weight"]) for p in scheme.get("parties", [])]
    if sum(weights, Decimal("0")) != WEIGHT_TOTAL:
        problems.append("weights_total")
    if not rotation or not standards:
        problems.append("empty")
    if problems:
        raise ApplicationError(
            "TRAINING_PLAN_INVALID",
            "培养方案不完整或不一致: 岗位须属于试点企业, 轮岗须引用方案中的阶段和岗位, 各方权重之和须为1",
            "the plan is incomplete or inconsistent: posts of the pilot's companies, rotation steps naming the "
            "plan's stages and posts, party weights adding up to 1",
            details={"problems": problems},
        )


@transaction.atomic
def training_plan_propose(
    *,
    pilot: PilotProject,
    actor: Any,
    title: str,
    valid_from: datetime.date,
    stages: list[dict[str, Any]],
    standards: list[dict[str, Any]],
    rotation: list[dict[str, Any]],
    scheme: dict[str, Any],
    summary: str = "",
    mentor_standard: str = "",
) -> TrainingPlan:
    """The school proposes a new version of the pilot's plan. `standards`: [{post, name, competencies: [{code, name,
    level, practice_hours, assessed_by, required}]}]; `rotation`: [{order, stage (number), post, weeks, hours}];
    `scheme`: {scale, pass_points, parties: [{party, weight, required}]}. A version never changes once proposed."""
    if not _is_system(actor) and not (
        getattr(actor, "role", None) == Role.COORDINATOR and actor.school_id == pilot.school_id
    ):
        raise _forbidden(
            "只有试点学校的联络人可以提出培养方案", "only the pilot school's coordinator proposes"
        )
    pilot = PilotProject.objects.select_for_update().get(pk=pilot.pk)
    _check_plan_content(pilot, stages, standards, rotation, scheme)
    latest = TrainingPlan.objects.filter(pilot=pilot).aggregate(v=Max("version"), d=Max("valid_from"))
    if latest["d"] is not None and valid_from <= latest["d"]:
        raise ApplicationError(
            "TRAINING_PLAN_VALID_FROM",
            "新版本的适用日期须晚于已有版本, 已开始的学徒仍按原版本培养",
            "a new version applies from a date after every earlier version's",
            details={"latest_valid_from": latest["d"], "valid_from": valid_from},
        )
    plan = TrainingPlan.objects.create(
        pilot=pilot,
        version=(latest["v"] or 0) + 1,
        title=title,
        valid_from=valid_from,
        summary=summary,
        mentor_standard=mentor_standard,
        proposed_by=actor_user(actor),
    )
    stage_rows = {
        s["number"]: PlanStage.objects.create(
            plan=plan,
            number=s["number"],
            name=s["name"],
            school_months=s.get("school_months", 0),
            company_months=s.get("company_months", 0),
        )
        for s in stages
    }
    standard_rows: dict[int, PostStandard] = {}
    for s in standards:
        standard = PostStandard.objects.create(plan=plan, post=s["post"], name=s["name"])
        standard_rows[s["post"].pk] = standard
        Competency.objects.bulk_create(
            Competency(
                standard=standard,
                code=c["code"],
                name=c["name"],
                level=c.get("level", ""),
                practice_hours=Decimal(c.get("practice_hours", "0")),
                assessed_by=c.get("assessed_by", Party.MENTOR),
                required=c.get("required", True),
            )
            for c in s.get("competencies", [])
        )
    for step in rotation:
        RotationStep.objects.create(
            plan=plan,
            order=step["order"],
            stage=stage_rows[step["stage"]],
            standard=standard_rows[step["post"].pk],
            weeks=step["weeks"],
            hours=Decimal(step["hours"]),
        )
    scheme_row = AssessmentScheme.objects.create(
        plan=plan,
        scale=scheme.get("scale", Scale.GRADES),
        pass_points=Decimal(scheme.get("pass_points", "60")),
    )
    SchemeParty.objects.bulk_create(
        SchemeParty(
            scheme=scheme_row,
            party=p["party"],
            weight=Decimal(p["weight"]),
            required=p.get("required", True),
        )
        for p in scheme["parties"]
    )
    audit_record(actor=actor, action="trainingplan.propose", obj=plan, changes={"version": plan.version})
    return plan


@transaction.atomic
def training_plan_approve(
    *, plan: TrainingPlan, actor: Any, company: Any = None, now: datetime.datetime | None = None
) -> TrainingPlan:
    """A company of the pilot approves the version (HR for their company). With the last company's approval the
    version is in force: placements already started are first pinned to the version they started under."""
    now = _now(now)
    plan = TrainingPlan.objects.select_for_update().select_related("pilot").get(pk=plan.pk)
    if not _is_system(actor):
        if getattr(actor, "role", None) != Role.HR:
            raise _forbidden("只有试点企业的人事可以确认培养方案", "only the pilot companies' HR approve")
        company = actor.company
    company_ids = set(plan.pilot.companies.values_list("pk", flat=True))
    if company is None or company.pk not in company_ids:
        raise _forbidden("该企业不属于此试点项目", "this company is not in the pilot")
    if plan.status != PlanStatus.PROPOSED:
        raise ApplicationError(
            "TRAINING_PLAN_DECIDED", "该版本已生效", "this version is already in force", status=409
        )
    try:
        with transaction.atomic():
            PlanApproval.objects.create(
                plan=plan,
                company=company,
                approved_by=actor_user(actor),
                approver_name=_name(actor),
                approved_at=now,
            )
    except IntegrityError as exc:
        raise ApplicationError(
            "TRAINING_PLAN_APPROVED", "该企业已确认此版本", "this company already approved", status=409
        ) from exc
    audit_record(actor=actor, action="trainingplan.approval", obj=plan, changes={"company": company.pk})
    approved = set(plan.approvals.values_list("company_id", flat=True))
    if company_ids <= approved:
        _pin_earlier(plan)
        plan.status, plan.approved_at = PlanStatus.APPROVED, now
        plan.save(update_fields=["status", "approved_at", "updated_at"])
        audit_record(actor=actor, action="trainingplan.in_force", obj=plan, changes={"version": plan.version})
    return plan


def _pin_earlier(new: TrainingPlan) -> None:
    """Before `new` comes into force: pin every placement of the pilot that starts before it applies and has no
    plan yet to the version in force on its start date, so the new version can never reach it."""
    earlier = Placement.objects.filter(
        pilot_id=new.pilot_id, training__isnull=True, start_date__lt=new.valid_from
    )
    for placement in earlier:
        plan = plan_in_force(pilot_id=new.pilot_id, on=placement.start_date)
        if plan is not None:
            TrainingEnrolment.objects.create(placement=placement, plan=plan)


def enrolment_ensure(placement: Placement) -> TrainingEnrolment:
    """The placement's pinned plan version, pinning it now to the version in force on its start date."""
    existing = TrainingEnrolment.objects.select_related("plan").filter(placement=placement).first()
    if existing:
        return existing
    plan = plan_in_force(pilot_id=placement.pilot_id, on=placement.start_date)
    if plan is None:
        raise ApplicationError(
            "TRAINING_NO_PLAN",
            "该学徒开始时没有生效的培养方案",
            "no training plan was in force on the placement's start date",
            details={"start_date": placement.start_date},
            status=409,
        )
    enrolment, _ = TrainingEnrolment.objects.get_or_create(placement=placement, defaults={"plan": plan})
    return enrolment


def _lock(placement: Placement) -> tuple[Placement, TrainingEnrolment]:
    locked = (
        Placement.objects.select_for_update(of=("self",))
        .select_related("student", "post__company", "pilot")
        .get(pk=placement.pk)
    )
    return locked, enrolment_ensure(locked)


# -------------------------------------------------------------------------------------------------------- sign-off


def _is_mentor_of(actor: Any, placement: Placement) -> bool:
    return getattr(actor, "role", None) == Role.MENTOR and actor.mentor_id == placement.mentor_id


def _assigned_teacher_id(placement: Placement) -> int | None:
    """The school's supervising teacher assigned to the placement (backend.attendance TeacherAssignment), if any."""
    if not apps.is_installed("backend.attendance"):
        return None
    from backend.attendance.models import TeacherAssignment

    return (
        TeacherAssignment.objects.filter(placement_id=placement.pk)
        .values_list("teacher_id", flat=True)
        .first()
    )


def _is_teacher_of(actor: Any, placement: Placement) -> bool:
    """The school side of the dual mentors: the supervising teacher assigned to the placement (role teacher). Where
    the school has assigned no teacher, the pilot school's coordinator acts as the teacher; once a teacher is
    assigned, only that teacher does (the coordinator no longer confirms for them)."""
    role = getattr(actor, "role", None)
    if role not in (Role.TEACHER, Role.COORDINATOR) or actor.school_id != placement.pilot.school_id:
        return False
    assigned = _assigned_teacher_id(placement)
    if role == Role.TEACHER:
        return assigned is not None and assigned == actor.pk
    return assigned is None


is_teacher_of = _is_teacher_of  # for the pages: who is shown the teacher's actions


def _check_evidence(upload: UploadedFile) -> None:
    validate_upload(
        upload,
        kinds=EVIDENCE_KINDS,
        max_bytes=EVIDENCE_MAX_BYTES,
        too_large=Refusal(
            "EVIDENCE_TOO_LARGE", "佐证材料不能超过5MB", "the evidence file may not exceed 5 MB"
        ),
        wrong_type=Refusal(
            "EVIDENCE_TYPE", "佐证材料须为PDF、JPG或PNG文件", "the evidence must be a PDF, JPG or PNG file"
        ),
    )


def _competency_of(enrolment: TrainingEnrolment, competency: Competency) -> Competency:
    if competency.standard.plan_id != enrolment.plan_id:
        raise ApplicationError(
            "COMPETENCY_NOT_IN_PLAN",
            "该能力项不属于学徒所按的培养方案版本",
            "the competency is not in the plan version the apprentice is held to",
            details={"plan": enrolment.plan_id},
        )
    return competency


@transaction.atomic
def competency_sign(
    *,
    placement: Placement,
    competency: Competency,
    actor: Any,
    evidence_text: str = "",
    evidence_file: UploadedFile | None = None,
    now: datetime.datetime | None = None,
) -> SignOff:
    """The company mentor signs the competency off as reached; it counts only once the school confirms it."""
    now = _now(now)
    placement, enrolment = _lock(placement)
    if not (_is_system(actor) or _is_mentor_of(actor, placement)):
        raise _forbidden("只有该学徒的师傅可以签认能力", "only the apprentice's own mentor signs off")
    _competency_of(enrolment, competency)
    if evidence_file is not None:
        _check_evidence(evidence_file)
    if SignOff.objects.filter(enrolment=enrolment, competency=competency, status__in=LIVE_SIGN_OFF).exists():
        raise ApplicationError(
            "SIGN_OFF_EXISTS", "该能力已签认", "this competency is already signed off", status=409
        )
    sign_off = SignOff(
        enrolment=enrolment,
        competency=competency,
        status=SignOffStatus.SIGNED,
        mentor_by=actor_user(actor),
        mentor_name=placement.mentor.name if placement.mentor else _name(actor),
        mentor_at=now,
        evidence_text=evidence_text,
    )
    if evidence_file is not None:
        sign_off.evidence_file.save(evidence_file.name or "evidence", evidence_file, save=False)
    sign_off.save()
    audit_record(actor=actor, action="signoff.sign", obj=sign_off, changes={"competency": competency.code})
    return sign_off


def _live(sign_off: SignOff) -> SignOff:
    return SignOff.objects.select_related("enrolment__placement__pilot", "competency").get(pk=sign_off.pk)


def _move(sign_off: SignOff, to: str) -> None:
    if not sign_off.can_move_to(to):
        raise ApplicationError(
            "SIGN_OFF_TRANSITION",
            f"签认不能从“{sign_off.get_status_display()}”变为“{SignOffStatus(to).label}”",
            f"a sign-off cannot move from {sign_off.status} to {to}",
            details={"from": sign_off.status, "to": to},
            status=409,
        )


@transaction.atomic
def sign_off_confirm(*, sign_off: SignOff, actor: Any, now: datetime.datetime | None = None) -> SignOff:
    """The school teacher confirms the mentor's sign-off: the second signature. May complete the standard."""
    now = _now(now)
    placement, enrolment = _lock(_live(sign_off).enrolment.placement)
    sign_off = _live(sign_off)
    if not (_is_system(actor) or _is_teacher_of(actor, placement)):
        raise _forbidden("只有学校指导教师可以确认", "only the school's teacher confirms")
    _move(sign_off, SignOffStatus.CONFIRMED)
    sign_off.status, sign_off.teacher_by, sign_off.teacher_at = (
        SignOffStatus.CONFIRMED,
        actor_user(actor),
        now,
    )
    sign_off.teacher_name = (
        _name(actor)
        if getattr(actor, "role", None) == Role.TEACHER
        else placement.supervising_teacher or _name(actor)
    )
    sign_off.save(update_fields=["status", "teacher_by", "teacher_at", "teacher_name", "updated_at"])
    audit_record(actor=actor, action="signoff.confirm", obj=sign_off, changes={"status": "confirmed"})
    standard_evaluate(enrolment=enrolment, actor=actor, now=now)
    return sign_off


@transaction.atomic
def sign_off_refuse(
    *, sign_off: SignOff, actor: Any, reason: str, now: datetime.datetime | None = None
) -> SignOff:
    """The teacher (or the mentor, taking back a signature not yet confirmed) refuses it, with a reason."""
    now = _now(now)
    placement, _ = _lock(_live(sign_off).enrolment.placement)
    sign_off = _live(sign_off)
    if not (_is_system(actor) or _is_teacher_of(actor, placement) or _is_mentor_of(actor, placement)):
        raise _forbidden("只有双导师可以退回签认", "only the two mentors may refuse a sign-off")
    if not reason.strip():
        raise ApplicationError("SIGN_OFF_REASON", "退回须说明原因", "a refusal needs a reason")
    _move(sign_off, SignOffStatus.REFUSED)
    sign_off.status, sign_off.refused_by, sign_off.refused_at = SignOffStatus.REFUSED, actor_user(actor), now
    sign_off.refuse_reason = reason.strip()
    sign_off.save(update_fields=["status", "refused_by", "refused_at", "refuse_reason", "updated_at"])
    audit_record(actor=actor, action="signoff.refuse", obj=sign_off, changes={"reason": reason})
    return sign_off


@transaction.atomic
def sign_off_withdraw(
    *, sign_off: SignOff, actor: Any, reason: str, now: datetime.datetime | None = None
) -> SignOff:
    """Withdraw a sign-off (recorded, never deleted). If it undoes the standard, the grant is reversed."""
    now = _now(now)
    placement, enrolment = _lock(_live(sign_off).enrolment.placement)
    sign_off = _live(sign_off)
    if not (_is_system(actor) or _is_teacher_of(actor, placement) or _is_mentor_of(actor, placement)):
        raise _forbidden("只有双导师可以撤回签认", "only the two mentors may withdraw a sign-off")
    if not reason.strip():
        raise ApplicationError("SIGN_OFF_REASON", "撤回须说明原因", "a withdrawal needs a reason")
    _move(sign_off, SignOffStatus.WITHDRAWN)
    sign_off.status, sign_off.withdrawn_by, sign_off.withdrawn_at = (
        SignOffStatus.WITHDRAWN,
        actor_user(actor),
        now,
    )
    sign_off.withdraw_reason = reason.strip()
    sign_off.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdraw_reason", "updated_at"])
    audit_record(actor=actor, action="signoff.withdraw", obj=sign_off, changes={"reason": reason})
    standard_evaluate(enrolment=enrolment, actor=actor, now=now, reason=f"能力签认已撤回: {reason.strip()}")
    return sign_off


# ------------------------------------------------------------------------------------------------------ evaluation


def _party_allowed(actor: Any, placement: Placement, party: str) -> bool:
    if _is_system(actor):
        return True
    role = getattr(actor, "role", None)
    if party == Party.SELF:
        return role == Role.STUDENT and actor.student_id == placement.student_id
    if party == Party.MENTOR:
        return _is_mentor_of(actor, placement)
    if party == Party.TEACHER:
        return _is_teacher_of(actor, placement)
    if party == Party.COMPANY:
        return role == Role.HR and actor.company_id == placement.post.company_id
    if party == Party.THIRD_PARTY:  # typed in from the assessing body's paper by either side
        return _is_teacher_of(actor, placement) or (
            role == Role.HR and actor.company_id == placement.post.company_id
        )
    return False


def _check_result(scale: str, grade: str, points: Decimal | None) -> None:
    if scale == Scale.GRADES and (not grade or points is not None):
        raise ApplicationError(
            "EVALUATION_SCALE",
            "本方案按等级评价(优秀/良好/合格/不合格)",
            "this scheme grades, it does not score",
        )
    if scale == Scale.POINTS and (points is None or grade):
        raise ApplicationError("EVALUATION_SCALE", "本方案按百分制评分", "this scheme scores in points")
    if points is not None and not Decimal("0") <= points <= Decimal("100"):
        raise ApplicationError("EVALUATION_POINTS", "分数应在0到100之间", "points lie between 0 and 100")


def _evaluation_create(
    *,
    enrolment: TrainingEnrolment,
    party: str,
    actor: Any,
    evaluator_name: str,
    grade: str = "",
    points: Decimal | None = None,
    comments: str = "",
    certificate_number: str = "",
    test_date: datetime.date | None = None,
) -> Evaluation:
    _check_result(enrolment.plan.scheme.scale, grade, points)
    if Evaluation.objects.filter(enrolment=enrolment, party=party, status=EvaluationStatus.RECORDED).exists():
        raise ApplicationError(
            "EVALUATION_EXISTS",
            "该评价方已有有效评价, 须先撤销",
            "this party already has an evaluation in force; revoke it first",
            details={"party": party},
            status=409,
        )
    evaluation = Evaluation.objects.create(
        enrolment=enrolment,
        party=party,
        grade=grade,
        points=points,
        comments=comments,
        evaluator=actor_user(actor),
        evaluator_name=evaluator_name or _name(actor),
        certificate_number=certificate_number,
        test_date=test_date,
    )
    audit_record(
        actor=actor,
        action="evaluation.record",
        obj=evaluation,
        changes={"party": party, "grade": grade, "points": points},
    )
    return evaluation


@transaction.atomic
def evaluation_record(
    *,
    placement: Placement,
    party: str,
    actor: Any,
    evaluator_name: str = "",
    grade: str = "",
    points: Decimal | None = None,
    comments: str = "",
    certificate_number: str = "",
    test_date: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> Evaluation:
    """One party's evaluation on the plan's scale. May complete the standard."""
    placement, enrolment = _lock(placement)
    if not _party_allowed(actor, placement, party):
        raise _forbidden("您不能代表该评价方评价此学徒", f"you may not evaluate this apprentice as {party}")
    evaluation = _evaluation_create(
        enrolment=enrolment,
        party=party,
        actor=actor,
        evaluator_name=evaluator_name,
        grade=grade,
        points=points,
        comments=comments,
        certificate_number=certificate_number,
        test_date=test_date,
    )
    standard_evaluate(enrolment=enrolment, actor=actor, now=_now(now))
    return evaluation


@transaction.atomic
def evaluation_revoke(
    *, evaluation: Evaluation, actor: Any, reason: str, now: datetime.datetime | None = None
) -> Evaluation:
    now = _now(now)
    evaluation = Evaluation.objects.select_related("enrolment__placement").get(pk=evaluation.pk)
    placement, enrolment = _lock(evaluation.enrolment.placement)
    evaluation.refresh_from_db()
    if not (
        _is_system(actor)
        or _is_teacher_of(actor, placement)
        or _party_allowed(actor, placement, evaluation.party)
    ):
        raise _forbidden("您不能撤销此评价", "you may not revoke this evaluation")
    if not reason.strip():
        raise ApplicationError(
            "EVALUATION_REVOKE_REASON", "撤销评价须说明原因", "a revocation needs a reason"
        )
    if evaluation.status != EvaluationStatus.RECORDED:
        raise ApplicationError("EVALUATION_REVOKED", "该评价已撤销", "already revoked", status=409)
    evaluation.status, evaluation.revoked_by, evaluation.revoked_at = (
        EvaluationStatus.REVOKED,
        actor_user(actor),
        now,
    )
    evaluation.revoke_reason = reason.strip()
    evaluation.save(update_fields=["status", "revoked_by", "revoked_at", "revoke_reason", "updated_at"])
    audit_record(actor=actor, action="evaluation.revoke", obj=evaluation, changes={"reason": reason})
    standard_evaluate(enrolment=enrolment, actor=actor, now=now, reason=f"评价已撤销: {reason.strip()}")
    return evaluation


# -------------------------------------------------------------------------------------------------------- rotation


@transaction.atomic
def rotation_move(
    *, placement: Placement, actor: Any, on: datetime.date | None = None
) -> RotationAssignment | None:
    """Move the apprentice on: finish the current post and start the next one of the plan's rotation (the first one
    when none has started). The next post passes its gates first (work forbidden to minors, high-risk posts) under
    the policy in force on the placement's start date, for the student's age on the day of the move. Returns the new
    current assignment, or None when the last post was finished (the rotation is complete)."""
    on = on or local_today()
    placement, enrolment = _lock(placement)
    role = getattr(actor, "role", None)
    if not (
        _is_system(actor)
        or (role == Role.COORDINATOR and actor.school_id == placement.pilot.school_id)
        or (role == Role.HR and actor.company_id == placement.post.company_id)
    ):
        raise _forbidden(
            "只有学校联络人或企业人事可以安排轮岗", "only the coordinator or HR moves a rotation"
        )
    if placement.status != PlacementStatus.ACTIVE:
        raise ApplicationError(
            "ROTATION_NOT_ACTIVE", "只有在岗学徒可以轮岗", "only an active placement rotates", status=409
        )
    steps = list(
        RotationStep.objects.filter(plan=enrolment.plan).select_related("standard__post").order_by("order")
    )
    done = {a.step_id: a for a in RotationAssignment.objects.filter(enrolment=enrolment)}
    current = next((a for a in done.values() if a.status == RotationStatus.CURRENT), None)
    upcoming = [s for s in steps if s.pk not in done]
    nxt = upcoming[0] if upcoming else None
    if current is None and nxt is None:
        raise ApplicationError("ROTATION_COMPLETE", "轮岗已全部完成", "the rotation is complete", status=409)
    if current is not None and on < current.started_on:
        raise ApplicationError(
            "ROTATION_DATE",
            "轮岗日期不能早于当前岗位的开始日期",
            "the move cannot precede the current post's start",
        )
    if nxt is not None:
        post = nxt.standard.post
        policy = policy_for_placement(placement)
        findings = gates.check_minor_forbidden_work(
            student_name=placement.student.name,
            birth_date=placement.student.birth_date,
            start_date=on,
            post_title=post.title,
            hazard_tags=post.hazard_tags or (),
            policy=policy,
        ) + gates.check_hazardous_post(
            post_title=post.title, hazard_tags=post.hazard_tags or (), policy=policy
        )
        errors = [f for f in findings if f.severity == gates.ERROR]
        if errors:
            raise ApplicationError(
                errors[0].code,
                "轮岗未通过准入检查：" + "；".join(e.message for e in errors),
                "the rotation move fails its gates: " + "; ".join(e.message_en for e in errors),
                details={"results": [e.as_dict() for e in errors], "post": post.pk},
                status=409,
            )
    if current is not None:
        current.status, current.ended_on = RotationStatus.DONE, on
        current.save(update_fields=["status", "ended_on", "updated_at"])
    assignment = None
    if nxt is not None:
        assignment = RotationAssignment.objects.create(
            enrolment=enrolment, step=nxt, started_on=on, moved_by=actor_user(actor)
        )
    audit_record(
        actor=actor,
        action="rotation.move",
        obj=enrolment,
        changes={"from": current.step_id if current else None, "to": nxt.pk if nxt else None, "on": on},
    )
    standard_evaluate(enrolment=enrolment, actor=actor, now=timezone.now())
    return assignment


# -------------------------------------------------------------------------------------------------------- standard


def standard_evaluate(
    *, enrolment: TrainingEnrolment, actor: Any, now: datetime.datetime, reason: str = ""
) -> rules.Standard:
    """Re-compute the standard (the placement row is locked by the caller). Reaching it accrues the grant through
    the subsidy ledger; losing it reverses the grant the standard earned."""
    from backend.subsidy.services import claim_accrue_on_standard

    standard, evidence = enrolment_standard(enrolment, today=local_date(now))
    enrolment = TrainingEnrolment.objects.select_related("placement").get(pk=enrolment.pk)
    if standard.reached and enrolment.standard_reached_at is None:
        enrolment.standard_reached_at, enrolment.evidence = now, evidence
        enrolment.save(update_fields=["standard_reached_at", "evidence", "updated_at"])
        audit_record(actor=actor, action="training.standard_reached", obj=enrolment, changes={})
        claim_accrue_on_standard(placement=enrolment.placement, actor=actor, evidence=evidence, now=now)
    elif not standard.reached and enrolment.standard_reached_at is not None:
        enrolment.standard_reached_at = None
        enrolment.save(update_fields=["standard_reached_at", "updated_at"])
        audit_record(
            actor=actor, action="training.standard_lost", obj=enrolment, changes={"reasons": standard.reasons}
        )
        _reverse_standard_claim(enrolment, actor, reason or "培养标准不再满足", now)
    return standard


def _reverse_standard_claim(
    enrolment: TrainingEnrolment, actor: Any, reason: str, now: datetime.datetime
) -> None:
    from backend.subsidy.models import Claim, ClaimStatus
    from backend.subsidy.services import STANDARD_EVENT, claim_reverse

    placement = enrolment.placement
    claims = Claim.objects.filter(
        student_id=placement.student_id, pilot_id=placement.pilot_id, events__action=STANDARD_EVENT
    ).exclude(status=ClaimStatus.REVERSED)
    for claim in claims.distinct():
        claim_reverse(claim=claim, reason=reason, actor=actor, now=now)
