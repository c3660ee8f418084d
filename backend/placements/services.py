"""Writes on placements. Gates that other apps enforce (rules, signing) plug in as transition guards."""

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import transaction

from backend.accounts.models import Role
from backend.companies.models import Company, Mentor, Post
from backend.core.audit import actor_user, audit_record, model_changes
from backend.core.errors import ApplicationError
from backend.core.services import full_clean_or_raise
from backend.schools.models import Student

from .models import (
    InsuranceKind,
    InsurancePolicy,
    PilotProject,
    Placement,
    PlacementEvent,
    PlacementStage,
    PlacementStatus,
)

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
    *,
    actor: Any,
    pilot: PilotProject,
    stages: list[dict[str, Any]] | None = None,
    event_note: str = "created",
    **data: Any,
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
        placement=placement, actor=actor_user(actor), to_status=placement.status, note=event_note
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


# --------------------------------------------------------------------------------------------------
# By hand: a placement outside the matching (a late enrolment, say), or a proposed one adjusted before its agreement

MANUAL_CREATED = "created by hand"
MANUAL_ADJUSTED = "adjusted by hand"


def _pilot_for(*, student: Student, post: Post, current: PilotProject | None = None) -> PilotProject:
    """The pilot project that joins the student's school and program with the post's company: the current one
    when it still does, otherwise the most recent one that does."""
    if current is not None and current.companies.filter(pk=post.company_id).exists():
        return current
    pilot = (
        PilotProject.objects.filter(
            school_id=student.school_id, program_id=student.cohort.program_id, companies=post.company_id
        )
        .order_by("-year", "-id")
        .first()
    )
    if pilot is None:
        raise ApplicationError(
            "POST_NOT_IN_PILOT",
            f"岗位 {post.title} 所属企业不在学生 {student.name} 所在专业的试点项目中",
            f"the company of post {post.title} is in none of the pilot projects of {student.name}'s program",
            details={"post": post.pk},
        )
    return pilot


def _mentor_of_post_company(mentor: Mentor | None, post: Post) -> None:
    if mentor is not None and mentor.company_id != post.company_id:
        raise ApplicationError(
            "MENTOR_OTHER_COMPANY",
            f"师傅 {mentor.name} 不属于岗位 {post.title} 所在的企业",
            f"mentor {mentor.name} does not work for the company of post {post.title}",
            details={"mentor": mentor.pk},
        )


def student_unplaced_check(student: Student, *, exclude: Placement | None = None, **details: Any) -> None:
    """A student holds at most one live placement: STUDENT_PLACED otherwise (details: the student, or what the
    caller names, as the matching's acceptance names its proposal)."""
    live = student.placements.filter(status__in=PlacementStatus.LIVE)
    if exclude is not None:
        live = live.exclude(pk=exclude.pk)
    if live.exists():
        raise ApplicationError(
            "STUDENT_PLACED",
            f"{student.name}已有岗位安排",
            "the student already has a placement",
            details=details or {"student": student.pk},
            status=409,
        )


def placement_has_agreement(placement: Placement) -> bool:
    """Whether the placement's own agreement (not void) has been generated; after that a change of post, mentor or
    dates goes through a change request and its supplementary agreement (backend/changes)."""
    if placement.pk is None or not apps.is_installed("backend.agreements"):
        return False
    return bool(placement.agreements.exclude(status="void").filter(supplements__isnull=True).exists())  # type: ignore[attr-defined]


@transaction.atomic
def placement_create_manual(
    *,
    actor: Any,
    student: Student,
    post: Post,
    mentor: Mentor | None,
    start_date: Any,
    end_date: Any,
    monthly_pay: Any,
) -> Placement:
    """A placement proposed by hand by the school's coordinator. The student's row is locked so that two
    coordinators cannot place one student twice; then ``placement_create`` checks what the matching's acceptance
    checks, in the same code: the parts belong together, the company, post and mentor rows are locked, every
    registered gate (AGE_MIN, MENTOR_RATIO, POST_CAP, ...) judges the placement."""
    if getattr(actor, "role", None) == Role.COORDINATOR and actor.school_id != student.school_id:
        raise ApplicationError(
            "STUDENT_OTHER_SCHOOL", "该学生不属于本校", "the student is not at your school", status=403
        )
    student = Student.objects.select_for_update().select_related("cohort").get(pk=student.pk)
    student_unplaced_check(student)
    pilot = _pilot_for(student=student, post=post)
    _mentor_of_post_company(mentor, post)
    return placement_create(
        actor=actor,
        pilot=pilot,
        event_note=MANUAL_CREATED,
        student=student,
        post=post,
        mentor=mentor,
        start_date=start_date,
        end_date=end_date,
        monthly_pay=monthly_pay,
    )


@transaction.atomic
def placement_adjust(
    *,
    actor: Any,
    placement: Placement,
    post: Post,
    mentor: Mentor | None,
    start_date: Any,
    end_date: Any,
    monthly_pay: Any,
    drop_stages_outside: bool = False,
) -> Placement:
    """Another post, mentor, dates or pay for a proposed placement whose agreement is not generated yet, judged
    by the same gates (through ``placement_update``). Stages whose time in the company falls outside the new
    period are refused, or removed when ``drop_stages_outside`` says so. An event records the adjustment."""
    placement = (
        Placement.objects.select_for_update(of=("self",))
        .select_related("student__cohort")
        .get(pk=placement.pk)
    )
    if placement.status != PlacementStatus.PROPOSED:
        raise ApplicationError(
            "PLACEMENT_LOCKED",
            "只有拟安排状态的学徒安排可以直接调整",
            "only a proposed placement can be adjusted directly",
            status=409,
        )
    if placement_has_agreement(placement):
        raise ApplicationError(
            "PLACEMENT_HAS_AGREEMENT",
            "协议已生成：调整岗位、师傅或日期须提交变更申请（补充协议）",
            "the agreement is generated: a change of post, mentor or dates goes through a change request "
            "(supplementary agreement)",
            status=409,
        )
    student_unplaced_check(placement.student, exclude=placement)
    pilot = _pilot_for(student=placement.student, post=post, current=placement.pilot)
    _mentor_of_post_company(mentor, post)
    outside = [s for s in placement.stages.all() if s.company_start < start_date or s.company_end > end_date]
    if outside and not drop_stages_outside:
        numbers = [s.number for s in outside]
        raise ApplicationError(
            "STAGE_OUTSIDE_PLACEMENT",
            "第 " + "、".join(str(n) for n in numbers) + " 阶段的在企期间不在新的岗位安排期间内",
            "stage(s) " + ", ".join(str(n) for n in numbers) + " lie outside the new period",
            details={"stages": numbers},
            status=422,
        )
    data = {
        "pilot": pilot,
        "post": post,
        "mentor": mentor,
        "start_date": start_date,
        "end_date": end_date,
        "monthly_pay": monthly_pay,
    }
    changed = {f for f, v in data.items() if getattr(placement, f) != v}
    if not changed and not outside:
        return placement
    if outside:
        placement.stages.filter(pk__in=[s.pk for s in outside]).delete()
        audit_record(
            actor=actor,
            action="placement.stages_drop",
            obj=placement,
            changes={"stages": [s.number for s in outside]},
        )
    placement = placement_update(actor=actor, placement=placement, data=data)
    PlacementEvent.objects.create(
        placement=placement, actor=actor_user(actor), to_status=placement.status, note=MANUAL_ADJUSTED
    )
    return placement


# --------------------------------------------------------------------------------------------------
# Completing a placement for its agreement: teacher, board and lodging, stages, insurance policies


EDITABLE = (PlacementStatus.PROPOSED, PlacementStatus.SIGNING)


def _require_editable(placement: Placement) -> None:
    if placement.status not in EDITABLE:
        raise ApplicationError(
            "PLACEMENT_LOCKED",
            "在岗、已完成或已终止的学徒安排不能修改",
            "an active, completed or terminated placement cannot be edited",
            status=409,
        )


@transaction.atomic
def placements_teacher_assign(
    *, actor: Any, placements: list[Placement], teacher: str, phone: str
) -> list[Placement]:
    """One supervising teacher (学校指导教师) for many placements at once; all or none."""
    teacher, phone = teacher.strip(), phone.strip()
    if not teacher:
        raise ApplicationError(
            "TEACHER_REQUIRED", "请填写学校指导教师姓名", "the supervising teacher's name is required"
        )
    locked = [p for p in placements if p.status not in EDITABLE]
    if locked:
        raise ApplicationError(
            "PLACEMENT_LOCKED",
            "在岗、已完成或已终止的学徒安排不能修改：" + "、".join(p.student.name for p in locked),
            "an active, completed or terminated placement cannot be edited",
            details={"placements": [p.pk for p in locked]},
            status=409,
        )
    return [
        placement_update(
            actor=actor,
            placement=p,
            data={"supervising_teacher": teacher, "supervising_teacher_phone": phone},
        )
        for p in placements
    ]


@transaction.atomic
def placement_stages_replace(
    *, actor: Any, placement: Placement, stages: list[dict[str, Any]]
) -> list[PlacementStage]:
    """The placement's stages (培养阶段), numbered 1.. in the order given, replacing the ones before. Each stage's
    time in the company lies within the placement's period."""
    _require_editable(placement)
    if not stages:
        raise ApplicationError("STAGES_REQUIRED", "至少需要一个培养阶段", "at least one stage is required")
    objects = []
    for number, data in enumerate(stages, start=1):
        stage = PlacementStage(placement=placement, number=number, **data)
        full_clean_or_raise(stage, exclude=["placement"])
        if stage.company_start < placement.start_date or stage.company_end > placement.end_date:
            raise ApplicationError(
                "STAGE_OUTSIDE_PLACEMENT",
                f"第 {number} 阶段的在企期间须在岗位安排期间内",
                f"stage {number}'s time in the company must lie within the placement's period",
                details={"stage": number},
                status=422,
            )
        objects.append(stage)
    before = [
        {
            "name": s.name,
            "company_start": s.company_start.isoformat(),
            "company_end": s.company_end.isoformat(),
        }
        for s in placement.stages.all()
    ]
    placement.stages.all().delete()
    PlacementStage.objects.bulk_create(objects)
    audit_record(
        actor=actor,
        action="placement.stages_replace",
        obj=placement,
        changes={
            "stages": [
                before,
                [
                    {
                        "name": s.name,
                        "company_start": s.company_start.isoformat(),
                        "company_end": s.company_end.isoformat(),
                    }
                    for s in objects
                ],
            ]
        },
    )
    return objects


def _policy_for(placement: Placement, data: dict[str, Any]) -> InsurancePolicy:
    policy = InsurancePolicy(placement=placement, **data)
    full_clean_or_raise(policy, exclude=["placement"])
    if policy.end_date < policy.start_date:
        raise ApplicationError(
            "POLICY_DATES", "保险止期早于起期", "the policy ends before it starts", status=422
        )
    return policy


@transaction.atomic
def placement_insurance_set(*, actor: Any, placement: Placement, kind: str, **data: Any) -> InsurancePolicy:
    """The placement's policy of one kind (实习责任保险 or 工伤保险), replacing an earlier policy of that kind."""
    _require_editable(placement)
    policy = _policy_for(placement, {"kind": kind, **data})
    replaced = list(placement.insurance_policies.filter(kind=kind).values_list("policy_number", flat=True))
    placement.insurance_policies.filter(kind=kind).delete()
    policy.save()
    audit_record(
        actor=actor,
        action="placement.insurance_set",
        obj=placement,
        changes={"kind": kind, "policy_number": [replaced, policy.policy_number]},
    )
    return policy


@transaction.atomic
def insurance_policies_import(
    *, actor: Any, placements: Any, rows: list[dict[str, Any]]
) -> list[InsurancePolicy]:
    """The insurer's list of policies, all or nothing. Each row names its student by 学号 (student_number) or
    身份证号 (resident_id) and carries kind, insurer, policy_number, start_date, end_date (and "row", its number
    in the file). `placements` is the queryset the actor may edit (already scoped). One error anywhere writes
    nothing and raises POLICY_IMPORT_INVALID with every row's errors in details["rows"]."""
    candidates = list(
        placements.filter(status__in=EDITABLE).select_related("student").order_by("-start_date", "id")
    )
    by_key: dict[str, list[Placement]] = {}
    for p in candidates:
        for key in (p.student.student_number, p.student.resident_id.upper()):
            if key:
                by_key.setdefault(key, []).append(p)
    errors: list[dict[str, Any]] = []
    policies: list[InsurancePolicy] = []
    seen: dict[tuple[int, str], int] = {}

    def fail(row: int, code: str, zh: str, en: str) -> None:
        errors.append({"row": row, "code": code, "message": zh, "message_en": en})

    for data in rows:
        row = int(data.get("row") or 0)
        key = (
            str(data.get("student_number") or "").strip()
            or str(data.get("resident_id") or "").strip().upper()
        )
        found = by_key.get(key, []) if key else []
        if not key:
            fail(row, "STUDENT_REQUIRED", "缺少学号或身份证号", "student number or resident ID missing")
            continue
        if not found:
            fail(
                row,
                "PLACEMENT_NOT_FOUND",
                f"找不到学号/身份证号 {key} 的待签署岗位安排",
                f"no placement awaiting its agreement for {key}",
            )
            continue
        if len({p.pk for p in found}) > 1:
            fail(row, "PLACEMENT_AMBIGUOUS", f"{key} 有多个岗位安排", f"{key} has several placements")
            continue
        placement = found[0]
        kind = str(data.get("kind") or "")
        if kind not in InsuranceKind.values:
            fail(
                row,
                "POLICY_KIND",
                "险种须为“实习责任保险”或“工伤保险”",
                "kind must be liability or work-injury",
            )
            continue
        if (placement.pk, kind) in seen:
            fail(
                row,
                "POLICY_DUPLICATE_IN_FILE",
                f"与第 {seen[(placement.pk, kind)]} 行是同一学生的同一险种",
                f"same student and kind as row {seen[(placement.pk, kind)]}",
            )
            continue
        seen[(placement.pk, kind)] = row
        try:
            policy = _policy_for(
                placement,
                {
                    "kind": kind,
                    "insurer": str(data.get("insurer") or "").strip(),
                    "policy_number": str(data.get("policy_number") or "").strip(),
                    "start_date": data.get("start_date"),
                    "end_date": data.get("end_date"),
                },
            )
        except ApplicationError as exc:
            fail(row, exc.code, exc.message, exc.message_en)
            continue
        policies.append(policy)
    if not rows:
        fail(1, "NO_ROWS", "文件没有数据行", "the file has no data rows")
    if errors:
        raise ApplicationError(
            "POLICY_IMPORT_INVALID",
            f"保单清单有 {len(errors)} 处错误，未导入任何保单",
            f"the policy list has {len(errors)} errors; nothing was imported",
            details={"rows": errors},
            status=422,
        )
    for policy in policies:
        InsurancePolicy.objects.filter(placement=policy.placement, kind=policy.kind).delete()
    InsurancePolicy.objects.bulk_create(policies)
    for policy in policies:
        audit_record(
            actor=actor,
            action="placement.insurance_import",
            obj=policy.placement,
            changes={"kind": policy.kind, "policy_number": policy.policy_number},
        )
    return policies
