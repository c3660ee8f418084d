"""Writes for pauses, endings and injuries. Keyword-only, atomic, each with an audit row; every status change goes
through ``placement_transition`` with its note, so the placement's history (PlacementEvent) shows it.

Who may do what ("a party never approves what constrains itself"): the school runs the placement. A coordinator of
the placement's school pauses, resumes, terminates and completes. The company's HR may *request* a termination (the
company does not alone end an agreement that binds the school, the student and the guardian); a coordinator of the
school confirms or declines the request. An injury is reported by whoever is there: HR, the mentor, the school's
coordinator or the supervising teacher."""

from __future__ import annotations

import datetime
import functools
import logging
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from backend.accounts.models import Role
from backend.core.audit import actor_user, audit_record
from backend.core.clock import RULES_ZONE
from backend.core.errors import ApplicationError
from backend.core.services import full_clean_or_raise
from backend.placements.models import Placement, PlacementStatus
from backend.placements.services import placement_transition

from . import selectors
from .models import (
    REPORTING_HOURS,
    ClaimStatus,
    Completion,
    InjuryReport,
    InsurerNotice,
    Pause,
    PauseReason,
    Termination,
    TerminationParty,
    TerminationReason,
    TerminationStatus,
)

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")


def _forbidden(zh: str, en: str) -> ApplicationError:
    return ApplicationError("PERMISSION_DENIED", zh, en, status=403)


def _is_admin(actor: Any) -> bool:
    return getattr(actor, "role", None) == Role.ADMIN or bool(getattr(actor, "is_superuser", False))


def _require_coordinator(actor: Any, placement: Placement) -> None:
    """A coordinator of the placement's school (or a platform administrator)."""
    if _is_admin(actor):
        return
    if getattr(actor, "role", None) == Role.COORDINATOR and actor.school_id == placement.pilot.school_id:
        return
    raise _forbidden(
        "只有本校学校联络人可以暂停、恢复、终止或结业学徒岗位",
        "only a coordinator of the placement's school pauses, resumes, terminates or completes it",
    )


def _lock(placement: Placement) -> Placement:
    return (
        Placement.objects.select_for_update().select_related("pilot", "student", "post").get(pk=placement.pk)
    )


def _status_error(placement: Placement, what: str, what_en: str) -> ApplicationError:
    return ApplicationError(
        "TRANSITION_NOT_ALLOWED",
        f"“{placement.get_status_display()}”的学徒安排不能{what}",
        f"a {placement.status} placement cannot {what_en}",
        details={
            "from": placement.status,
            "allowed": sorted(placement.ALLOWED_TRANSITIONS.get(placement.status, ())),
        },
        status=409,
    )


def pause_transition_guard(placement: Placement, to: str) -> None:
    """Transition guard (registered in LifecycleConfig.ready): a placement is paused only with its Pause row (the
    days the audit skips) and resumed only once that pause is ended, so the generic transition endpoint cannot
    pause a placement without dates."""
    if to == PlacementStatus.PAUSED and selectors.open_pause(placement) is None:
        raise ApplicationError(
            "PAUSE_REQUIRED",
            "暂停须填写起止日期和原因（暂停功能）",
            "a placement is paused with its dates and reason (the pause endpoint)",
            status=409,
        )
    if (
        placement.status == PlacementStatus.PAUSED
        and to == PlacementStatus.ACTIVE
        and selectors.open_pause(placement) is not None
    ):
        raise ApplicationError(
            "PAUSE_OPEN",
            "请通过“恢复在岗”结束暂停",
            "resume the placement through its pause (the resume endpoint)",
            status=409,
        )


# ------------------------------------------------------------------------------------------------------------ pause


@transaction.atomic
def placement_pause(
    *,
    actor: Any,
    placement: Placement,
    start_date: datetime.date,
    end_date: datetime.date,
    reason: str,
    note: str = "",
    today: datetime.date,
) -> Pause:
    """Pause (暂停) an active placement from ``start_date`` to ``end_date`` (inclusive): e.g. illness. The start may lie
    in the past (sick since Monday) but not after today; both days within the placement's period; no overlap with an
    earlier pause. Moves the placement to paused."""
    placement = _lock(placement)
    _require_coordinator(actor, placement)
    if placement.status != PlacementStatus.ACTIVE:
        raise _status_error(placement, "暂停", "be paused")
    if reason not in PauseReason.values:
        raise ApplicationError("PAUSE_REASON", "请选择暂停原因", "choose the reason for the pause")
    if end_date < start_date:
        raise ApplicationError("PAUSE_DATES", "暂停结束日期早于开始日期", "the pause ends before it starts")
    if start_date > today:
        raise ApplicationError("PAUSE_DATES", "暂停开始日期不能晚于今天", "a pause cannot start after today")
    if start_date < placement.start_date or end_date > placement.end_date:
        raise ApplicationError(
            "PAUSE_OUTSIDE_PLACEMENT",
            "暂停期间须在岗位安排期间内",
            "the pause must lie within the placement's period",
            details={"placement": [placement.start_date, placement.end_date]},
            status=422,
        )
    if placement.pauses.filter(start_date__lte=end_date, end_date__gte=start_date).exists():
        raise ApplicationError(
            "PAUSE_OVERLAP", "与已有的暂停期间重叠", "overlaps an earlier pause", status=409
        )
    pause = Pause(
        placement=placement,
        start_date=start_date,
        planned_end_date=end_date,
        end_date=end_date,
        reason=reason,
        note=note.strip(),
        created_by=actor_user(actor),
    )
    full_clean_or_raise(pause)
    pause.save()
    placement_transition(
        placement=placement,
        to=PlacementStatus.PAUSED,
        actor=actor,
        note=f"暂停 {start_date}–{end_date}：{pause.get_reason_display()} / paused {start_date} to {end_date} {note}".strip(),
    )
    audit_record(
        actor=actor,
        action="lifecycle.pause",
        obj=pause,
        changes={"start_date": start_date, "end_date": end_date, "reason": reason},
    )
    return pause


@transaction.atomic
def placement_resume(*, actor: Any, placement: Placement, on: datetime.date, today: datetime.date) -> Pause:
    """Resume (恢复在岗) a paused placement on ``on`` (the first working day again, not after today): its pause ends
    the day before, early or late, and the placement is active again. The activation gates run again on the way
    (insurance, health check, ratios: a returning apprentice must still be covered)."""
    placement = _lock(placement)
    _require_coordinator(actor, placement)
    pause = selectors.open_pause(placement)
    if placement.status != PlacementStatus.PAUSED or pause is None:
        raise _status_error(placement, "恢复在岗", "be resumed")
    if on <= pause.start_date:
        raise ApplicationError(
            "PAUSE_DATES", "恢复日期须晚于暂停开始日期", "the placement resumes after the pause starts"
        )
    if on > today:
        raise ApplicationError(
            "PAUSE_DATES", "恢复日期不能晚于今天", "a placement resumes today at the latest"
        )
    before = pause.end_date
    pause.end_date = on - datetime.timedelta(days=1)
    pause.resumed_on, pause.resumed_by = on, actor_user(actor)
    pause.save(update_fields=["end_date", "resumed_on", "resumed_by", "updated_at"])
    early = "提前" if pause.end_date < pause.planned_end_date else ""
    placement_transition(
        placement=placement,
        to=PlacementStatus.ACTIVE,
        actor=actor,
        note=f"{early}恢复在岗 {on}（暂停 {pause.start_date}–{pause.end_date}） / resumed on {on}",
    )
    audit_record(
        actor=actor,
        action="lifecycle.resume",
        obj=pause,
        changes={"end_date": [before, pause.end_date], "resumed_on": on},
    )
    _reaudit(placement, pause.start_date, max(before, pause.end_date))
    return pause


def _reaudit(placement: Placement, lo: datetime.date, hi: datetime.date) -> None:
    """Re-audit the weeks a pause changed (its days now skipped, or no longer), so the violations follow."""
    from backend.rules.services.audit import placement_worktime_audit

    placement_worktime_audit(placement=placement, lo_day=lo, hi_day=hi)


# ------------------------------------------------------------------------------------------------------ termination


def _check_termination(placement: Placement, reason: str, effective_date: datetime.date) -> None:
    if reason not in TerminationReason.values:
        raise ApplicationError(
            "TERMINATION_REASON", "请选择终止原因", "choose the reason for the termination"
        )
    if placement.status in (PlacementStatus.COMPLETED, PlacementStatus.TERMINATED):
        raise _status_error(placement, "终止", "be terminated")
    if effective_date > placement.end_date:
        raise ApplicationError(
            "TERMINATION_DATE",
            "终止日期须在岗位安排结束之前",
            "the termination date lies on or before the placement's end",
            status=422,
        )


@transaction.atomic
def termination_request(
    *,
    actor: Any,
    placement: Placement,
    reason: str,
    effective_date: datetime.date,
    details: str = "",
) -> Termination:
    """HR asks the school to terminate (企业申请终止): recorded, the school's coordinators told; nothing ends yet."""
    from backend.notices.services import notice_send

    placement = _lock(placement)
    if not (
        _is_admin(actor)
        or (getattr(actor, "role", None) == Role.HR and actor.company_id == placement.post.company_id)
    ):
        raise _forbidden(
            "只有本企业人事可以申请终止", "only HR of the placement's company requests a termination"
        )
    _check_termination(placement, reason, effective_date)
    if placement.terminations.filter(status=TerminationStatus.REQUESTED).exists():
        raise ApplicationError(
            "TERMINATION_PENDING",
            "已有待学校确认的终止申请",
            "a termination request is already open",
            status=409,
        )
    termination = Termination.objects.create(
        placement=placement,
        initiated_by=TerminationParty.COMPANY,
        reason=reason,
        details=details.strip(),
        effective_date=effective_date,
        status=TerminationStatus.REQUESTED,
        requested_by=actor_user(actor),
    )
    notice_send(
        recipients=selectors.placement_parties(placement, guardians=False, company=False, student=False),
        kind="lifecycle.termination_requested",
        title=f"【终止申请】{placement.student.name}：{placement.post.company.name}申请终止",
        body=(
            f"{placement.post.company.name} 申请自 {effective_date} 终止 {placement.student.name} 的学徒岗位"
            f"（{termination.get_reason_display()}）。{termination.details}\n请在学徒岗位页面确认或不同意。\n"
            f"{placement.post.company.name} asks to terminate the placement of {placement.student.name} from "
            f"{effective_date} ({reason}). Confirm or decline it on the placement page."
        ),
        link=f"/placements/{placement.pk}/lifecycle/",
        dedupe_key=f"termination-request:{termination.pk}",
    )
    audit_record(
        actor=actor,
        action="lifecycle.termination_request",
        obj=termination,
        changes={"reason": reason, "effective_date": effective_date},
    )
    return termination


@transaction.atomic
def placement_terminate(
    *,
    actor: Any,
    placement: Placement,
    initiated_by: str,
    reason: str,
    effective_date: datetime.date,
    details: str = "",
    now: datetime.datetime | None = None,
) -> Termination:
    """The school terminates (终止) a placement, on whoever's initiative (school, company, student)."""
    placement = _lock(placement)
    _require_coordinator(actor, placement)
    if initiated_by not in TerminationParty.values:
        raise ApplicationError("TERMINATION_PARTY", "请选择提出方", "choose who asks for the termination")
    _check_termination(placement, reason, effective_date)
    if placement.terminations.filter(status=TerminationStatus.REQUESTED).exists():
        raise ApplicationError(
            "TERMINATION_PENDING",
            "已有企业的终止申请，请确认或不同意该申请",
            "the company's termination request is open: confirm or decline it",
            status=409,
        )
    termination = Termination.objects.create(
        placement=placement,
        initiated_by=initiated_by,
        reason=reason,
        details=details.strip(),
        effective_date=effective_date,
        status=TerminationStatus.REQUESTED,
        requested_by=actor_user(actor),
    )
    return _confirm(termination, actor=actor, note="", now=now or timezone.now())


def _pending_request(termination: Termination, *, actor: Any) -> tuple[Termination, Placement]:
    """The company's request, locked with its placement, for one of the school's coordinators to decide; a request
    already decided is refused (TERMINATION_DECIDED)."""
    termination = Termination.objects.select_for_update().get(pk=termination.pk)
    placement = _lock(termination.placement)
    _require_coordinator(actor, placement)
    if termination.status != TerminationStatus.REQUESTED:
        raise ApplicationError(
            "TERMINATION_DECIDED",
            "该终止申请已处理",
            "this termination request was already decided",
            status=409,
        )
    return termination, placement


@transaction.atomic
def termination_confirm(
    *, actor: Any, termination: Termination, note: str = "", now: datetime.datetime | None = None
) -> Termination:
    """A coordinator of the school confirms the company's request: the placement ends."""
    termination, _placement = _pending_request(termination, actor=actor)
    return _confirm(termination, actor=actor, note=note, now=now or timezone.now())


@transaction.atomic
def termination_decline(*, actor: Any, termination: Termination, note: str) -> Termination:
    from backend.notices.services import notice_send

    termination, placement = _pending_request(termination, actor=actor)
    if not note.strip():
        raise ApplicationError("DECISION_NOTE", "请填写不同意的理由", "give the reason for declining")
    termination.status = TerminationStatus.DECLINED
    termination.decided_by, termination.decided_at = actor_user(actor), timezone.now()
    termination.decision_note = note.strip()
    termination.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    notice_send(
        recipients=[termination.requested_by],
        kind="lifecycle.termination_declined",
        title=f"【终止申请未同意】{placement.student.name}",
        body=f"学校未同意终止申请：{termination.decision_note}\nThe school declined the termination request.",
        link=f"/placements/{placement.pk}/lifecycle/",
        dedupe_key=f"termination-declined:{termination.pk}",
    )
    audit_record(actor=actor, action="lifecycle.termination_decline", obj=termination, changes={"note": note})
    return termination


def _reverse_unearned_claims(placement: Placement, actor: Any, now: datetime.datetime) -> list[int]:
    """The grant accrued for this placement and not earned (no passed assessment, not the training standard) is
    reversed through the ledger's reversing entries (``claim_reverse``); an earned grant stands."""
    if not apps.is_installed("backend.subsidy"):
        return []
    from backend.assessments.models import AssessmentStatus
    from backend.subsidy.models import Claim, ClaimEvent
    from backend.subsidy.models import ClaimStatus as SubsidyClaimStatus
    from backend.subsidy.services import STANDARD_EVENT, claim_reverse

    claims = (
        Claim.objects.filter(placement=placement)
        .exclude(status=SubsidyClaimStatus.REVERSED)
        .exclude(assessment__status=AssessmentStatus.PASSED)
        .exclude(Exists(ClaimEvent.objects.filter(claim=OuterRef("pk"), action=STANDARD_EVENT)))
    )
    reversed_ids = []
    for claim in claims:
        claim_reverse(claim=claim, reason="学徒安排在达到培养标准前终止", actor=actor, now=now)
        reversed_ids.append(claim.pk)
    return reversed_ids


def _confirm(termination: Termination, *, actor: Any, note: str, now: datetime.datetime) -> Termination:
    """End the placement: close its open signing, move it to terminated, reverse the unearned grant, tell every
    party (and the guardian of a minor). Inside the caller's transaction, the placement row locked."""
    from backend.notices.services import notice_send

    placement = termination.placement
    closed = 0
    if apps.is_installed("backend.signing"):
        from backend.signing.services import signing_close_placement

        closed = signing_close_placement(
            actor=actor,
            placement=placement,
            reason=f"学徒安排终止：{termination.get_reason_display()}",
            now=now,
        )
    placement = Placement.objects.get(pk=placement.pk)
    by = TerminationParty(termination.initiated_by).label
    placement_transition(
        placement=placement,
        to=PlacementStatus.TERMINATED,
        actor=actor,
        note=(
            f"终止 {termination.effective_date}：{termination.get_reason_display()}（提出方：{by}）"
            f" / terminated on {termination.effective_date}"
        ),
    )
    reversed_ids = _reverse_unearned_claims(placement, actor, now)
    minor = selectors.is_minor_on(placement, termination.effective_date)
    sent = notice_send(
        recipients=selectors.placement_parties(placement, guardians=minor),
        kind="lifecycle.terminated",
        title=f"【学徒岗位终止】{placement.student.name}（{placement.post.company.name}）",
        body=(
            f"{placement.student.name} 在 {placement.post.company.name}（{placement.post.title}）的学徒岗位自 "
            f"{termination.effective_date} 起终止。原因：{termination.get_reason_display()}；提出方：{by}。"
            f"{termination.details}\n"
            f"The placement of {placement.student.name} at {placement.post.company.name} ends on "
            f"{termination.effective_date}: {termination.reason} (asked by {termination.initiated_by})."
        ),
        link=f"/placements/{placement.pk}/lifecycle/",
        dedupe_key=f"termination:{termination.pk}",
    )
    termination.status = TerminationStatus.CONFIRMED
    termination.decided_by, termination.decided_at = actor_user(actor), now
    termination.decision_note = note.strip()
    termination.effects = {
        "envelopes_closed": closed,
        "claims_reversed": reversed_ids,
        "notices": len(sent),
        "guardians_told": minor,
    }
    termination.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "effects", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="lifecycle.terminate",
        obj=termination,
        changes={"reason": termination.reason, "by": termination.initiated_by, **termination.effects},
    )
    return termination


# ------------------------------------------------------------------------------------------------------- completion


@transaction.atomic
def placement_complete(
    *, actor: Any, placement: Placement, completed_on: datetime.date, note: str = "", today: datetime.date
) -> Completion:
    """Complete (结业) an active placement: the training standard reached or not, as computed, is recorded with it
    and in the history."""
    placement = _lock(placement)
    _require_coordinator(actor, placement)
    if placement.status != PlacementStatus.ACTIVE:
        raise _status_error(placement, "结业", "be completed")
    if completed_on < placement.start_date or completed_on > today:
        raise ApplicationError(
            "COMPLETION_DATE",
            "结业日期须在岗位开始之后、不晚于今天",
            "the completion date lies between the placement's start and today",
        )
    reached, source, reasons = selectors.standard_on_completion(placement, today=today)
    completion = Completion.objects.create(
        placement=placement,
        completed_on=completed_on,
        standard_reached=reached,
        standard_source=source,
        reasons=reasons,
        note=note.strip(),
        completed_by=actor_user(actor),
    )
    outcome = (
        "达到学徒培养标准 / standard reached" if reached else "未达到学徒培养标准 / standard not reached"
    )
    placement_transition(
        placement=placement, to=PlacementStatus.COMPLETED, actor=actor, note=f"结业 {completed_on}：{outcome}"
    )
    audit_record(
        actor=actor,
        action="lifecycle.complete",
        obj=completion,
        changes={"standard_reached": reached, "source": source, "reasons": reasons},
    )
    return completion


# ----------------------------------------------------------------------------------------------------------- injury


def _may_report_injury(actor: Any, placement: Placement) -> bool:
    role = getattr(actor, "role", None)
    if _is_admin(actor):
        return True
    if role == Role.COORDINATOR:
        return bool(actor.school_id == placement.pilot.school_id)
    if role == Role.HR:
        return bool(actor.company_id == placement.post.company_id)
    if role == Role.MENTOR:
        return placement.mentor_id is not None and actor.mentor_id == placement.mentor_id
    if role == Role.TEACHER and apps.is_installed("backend.attendance"):
        return placement.pk is not None and actor.teacher_assignments.filter(placement=placement).exists()
    return False


def _money(value: Any, field: str) -> Decimal:
    if isinstance(value, float):
        raise ApplicationError("AMOUNT_INVALID", "金额须为精确小数", f"{field} must be an exact decimal")
    amount = Decimal(str(value if value is not None else "0"))
    if amount < 0 or amount != amount.quantize(CENT):
        raise ApplicationError(
            "AMOUNT_INVALID",
            "金额须为非负数，精确到分",
            f"{field} must be non-negative, in fen",
            details={field: value},
        )
    return amount


@transaction.atomic
def injury_report(
    *,
    actor: Any,
    placement: Placement,
    occurred_at: datetime.datetime,
    location: str,
    description: str,
    treatment: str,
    severity: str,
    now: datetime.datetime,
) -> InjuryReport:
    """Report an injury (伤害事故): when, where, what happened, the treatment. Told at once, once, to the school's
    coordinators and the supervising teacher, the company's HR and the mentor, the guardians, and every insurer of
    the placement's policies with a report address (e-mail); the 24-hour reporting clock runs from the accident."""
    from backend.notices.services import notice_send

    placement = Placement.objects.select_related("pilot__school", "student", "post__company").get(
        pk=placement.pk
    )
    if not _may_report_injury(actor, placement):
        raise _forbidden(
            "只有企业人事、师傅、学校联络人或指导教师可以报告事故",
            "HR, the mentor, the school's coordinator or the supervising teacher report an injury",
        )
    if placement.status not in PlacementStatus.LIVE and placement.status != PlacementStatus.COMPLETED:
        raise _status_error(placement, "报告事故", "take an injury report")
    if occurred_at.tzinfo is None:
        raise ApplicationError(
            "INJURY_TIME", "事故时间须带时区", "the time of the accident must be timezone-aware"
        )
    if occurred_at > now:
        raise ApplicationError("INJURY_TIME", "事故时间不能晚于现在", "the accident cannot lie in the future")
    policies = list(placement.insurance_policies.order_by("kind", "pk"))
    injury = InjuryReport(
        placement=placement,
        occurred_at=occurred_at,
        location=location.strip(),
        description=description.strip(),
        treatment=treatment.strip(),
        severity=severity,
        reported_by=actor_user(actor),
        reported_at=now,
        deadline_at=occurred_at + datetime.timedelta(hours=REPORTING_HOURS),
        policy_numbers=[p.policy_number for p in policies],
    )
    full_clean_or_raise(injury)
    injury.save()
    local = occurred_at.astimezone(RULES_ZONE)
    deadline = injury.deadline_at.astimezone(RULES_ZONE)
    body = (
        f"学徒 {placement.student.name}（{placement.post.company.name}，{placement.post.title}）于 "
        f"{local:%Y-%m-%d %H:%M} 在 {injury.location} 发生伤害事故（{injury.get_severity_display()}）。\n"
        f"经过：{injury.description}\n救治：{injury.treatment or '—'}\n"
        f"保单：{'、'.join(injury.policy_numbers) or '无 / none'}\n"
        f"须于 {deadline:%Y-%m-%d %H:%M} 前向主管部门报告。\n"
        f"Injury of apprentice {placement.student.name} at {local:%Y-%m-%d %H:%M} ({injury.location}, "
        f"{severity}); report to the authorities by {deadline:%Y-%m-%d %H:%M} (Asia/Shanghai)."
    )
    title = f"【伤害事故】{placement.student.name}：{injury.get_severity_display()}"
    notice_send(
        recipients=selectors.placement_parties(placement, guardians=True, student=False),
        kind="lifecycle.injury",
        title=title,
        body=body,
        link=f"/placements/{placement.pk}/lifecycle/#injury-{injury.pk}",
        dedupe_key=f"injury:{injury.pk}",
    )
    for policy in policies:
        if not policy.contact_email:
            continue
        try:
            with transaction.atomic():
                insurer_notice = InsurerNotice.objects.create(
                    injury=injury,
                    insurer=policy.insurer,
                    policy_number=policy.policy_number,
                    email=policy.contact_email.lower(),
                )
        except IntegrityError:
            continue  # two policies with one report address: told once
        transaction.on_commit(functools.partial(_email_insurer, insurer_notice.pk))
    audit_record(
        actor=actor,
        action="lifecycle.injury_report",
        obj=injury,
        changes={"occurred_at": occurred_at, "severity": severity, "policies": injury.policy_numbers},
    )
    return injury


def _insurer_text(notice: InsurerNotice) -> tuple[str, str]:
    injury = notice.injury
    p = injury.placement
    local = injury.occurred_at.astimezone(RULES_ZONE)
    subject = f"事故报案 Accident report: 保单 {notice.policy_number} {p.student.name}"
    body = (
        f"{notice.insurer}：\n保单号 {notice.policy_number} 的被保险人 {p.student.name}（{p.pilot.school.name} 学徒，"
        f"实习单位 {p.post.company.name}）于 {local:%Y-%m-%d %H:%M} 在 {injury.location} 发生伤害事故"
        f"（{injury.get_severity_display()}）。\n经过：{injury.description}\n救治：{injury.treatment or '—'}\n"
        f"报告人：{injury.reported_by or '—'}\n\n"
        f"Policy {notice.policy_number}: accident of {p.student.name} at {local:%Y-%m-%d %H:%M} (Asia/Shanghai), "
        f"{injury.location}."
    )
    return subject, body


def _email_insurer(notice_id: int) -> None:
    notice = InsurerNotice.objects.select_related(
        "injury__placement__student",
        "injury__placement__post__company",
        "injury__placement__pilot__school",
        "injury__reported_by",
    ).get(pk=notice_id)
    if notice.emailed_at is not None:
        return
    subject, body = _insurer_text(notice)
    try:
        send_mail(subject, body, None, [notice.email])
    except Exception:  # mail is best effort here; the sweep sends what is owed
        logger.exception("e-mail to insurer for injury %s failed", notice.injury_id)
        return
    InsurerNotice.objects.filter(pk=notice.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())


def _require_injury_editor(actor: Any, injury: InjuryReport) -> None:
    placement = injury.placement
    role = getattr(actor, "role", None)
    if _is_admin(actor):
        return
    if role == Role.COORDINATOR and actor.school_id == placement.pilot.school_id:
        return
    if role == Role.HR and actor.company_id == placement.post.company_id:
        return
    raise _forbidden(
        "只有学校联络人或企业人事可以登记上报和理赔",
        "only the school's coordinator or the company's HR record this",
    )


@transaction.atomic
def injury_authority_reported(
    *, actor: Any, injury: InjuryReport, at: datetime.datetime, reference: str, now: datetime.datetime
) -> InjuryReport:
    """The report to the authorities (上级主管部门) was made: stops the 24-hour clock."""
    injury = (
        InjuryReport.objects.select_for_update()
        .select_related("placement__pilot", "placement__post")
        .get(pk=injury.pk)
    )
    _require_injury_editor(actor, injury)
    if injury.authority_reported_at is not None:
        raise ApplicationError(
            "INJURY_REPORTED", "已登记上报", "the report to the authorities is recorded", status=409
        )
    if at > now or at < injury.occurred_at:
        raise ApplicationError(
            "INJURY_TIME", "上报时间须在事故之后、不晚于现在", "the report lies between the accident and now"
        )
    injury.authority_reported_at, injury.authority_reference = at, reference.strip()
    injury.save(update_fields=["authority_reported_at", "authority_reference", "updated_at"])
    audit_record(
        actor=actor,
        action="lifecycle.injury_authority_reported",
        obj=injury,
        changes={"at": at, "reference": reference, "late": at > injury.deadline_at},
    )
    return injury


@transaction.atomic
def injury_claim_update(
    *,
    actor: Any,
    injury: InjuryReport,
    claim_status: str | None = None,
    claim_reference: str | None = None,
    policy_numbers: list[str] | None = None,
    medical_costs: Any = None,
    claimed_amount: Any = None,
    paid_amount: Any = None,
) -> InjuryReport:
    """Track the insurance claim (理赔): status along ``InjuryReport.ALLOWED_CLAIM_MOVES``, its reference, the policy
    numbers and the amounts (exact yuan, fen precision)."""
    injury = (
        InjuryReport.objects.select_for_update()
        .select_related("placement__pilot", "placement__post")
        .get(pk=injury.pk)
    )
    _require_injury_editor(actor, injury)
    changes: dict[str, Any] = {}
    if claim_status is not None and claim_status != injury.claim_status:
        if claim_status not in injury.ALLOWED_CLAIM_MOVES.get(injury.claim_status, frozenset()):
            raise ApplicationError(
                "CLAIM_TRANSITION",
                f"理赔状态不能从“{injury.get_claim_status_display()}”变为“{ClaimStatus(claim_status).label}”"
                if claim_status in ClaimStatus.values
                else "理赔状态无效",
                f"the claim cannot move from {injury.claim_status} to {claim_status}",
                details={"allowed": sorted(injury.ALLOWED_CLAIM_MOVES.get(injury.claim_status, ()))},
                status=409,
            )
        changes["claim_status"] = [injury.claim_status, claim_status]
        injury.claim_status = claim_status
    if claim_reference is not None:
        changes["claim_reference"] = [injury.claim_reference, claim_reference.strip()]
        injury.claim_reference = claim_reference.strip()
    if policy_numbers is not None:
        cleaned = [n.strip() for n in policy_numbers if n and n.strip()]
        changes["policy_numbers"] = [injury.policy_numbers, cleaned]
        injury.policy_numbers = cleaned
    for field, value in (
        ("medical_costs", medical_costs),
        ("claimed_amount", claimed_amount),
        ("paid_amount", paid_amount),
    ):
        if value is not None:
            amount = _money(value, field)
            changes[field] = [getattr(injury, field), amount]
            setattr(injury, field, amount)
    if injury.claim_status == ClaimStatus.PAID and injury.paid_amount <= 0:
        raise ApplicationError("CLAIM_PAID_AMOUNT", "已赔付须填写赔付金额", "a paid claim needs its amount")
    full_clean_or_raise(injury)
    injury.save()
    audit_record(actor=actor, action="lifecycle.injury_claim", obj=injury, changes=changes)
    return injury


def injuries_sweep(*, now: datetime.datetime) -> dict[str, int]:
    """The beat sweep (every 15 minutes): flags each report whose 24-hour clock ran out without a report to the
    authorities (the school's coordinators, the teacher and HR are told, once), and sends the insurers' e-mails
    that are still owed (a send lost between commit and mail)."""
    from backend.notices.services import notice_send

    flagged = sent = 0
    overdue = InjuryReport.objects.filter(
        authority_reported_at__isnull=True, overdue_flagged_at__isnull=True, deadline_at__lt=now
    ).select_related("placement__student", "placement__pilot", "placement__post__company")
    for injury in overdue:
        with transaction.atomic():
            if not InjuryReport.objects.filter(pk=injury.pk, overdue_flagged_at__isnull=True).update(
                overdue_flagged_at=now
            ):
                continue  # another sweep flagged it
            p = injury.placement
            deadline = injury.deadline_at.astimezone(RULES_ZONE)
            notice_send(
                recipients=selectors.placement_parties(p, guardians=False, student=False),
                kind="lifecycle.injury_overdue",
                title=f"【逾期未上报】{p.student.name} 伤害事故",
                body=(
                    f"{p.student.name} 的伤害事故应于 {deadline:%Y-%m-%d %H:%M} 前向主管部门报告，至今未登记上报。\n"
                    f"The injury of {p.student.name} was due to be reported to the authorities by "
                    f"{deadline:%Y-%m-%d %H:%M}; no report is recorded."
                ),
                link=f"/placements/{p.pk}/lifecycle/#injury-{injury.pk}",
                dedupe_key=f"injury-overdue:{injury.pk}",
            )
            flagged += 1
    owed = InsurerNotice.objects.filter(
        emailed_at__isnull=True, created_at__lte=now - datetime.timedelta(minutes=2)
    ).values_list("pk", flat=True)
    for notice_id in list(owed[:500]):
        _email_insurer(notice_id)
        sent += InsurerNotice.objects.filter(pk=notice_id, emailed_at__isnull=False).count()
    return {"flagged": flagged, "insurer_emails": sent}
