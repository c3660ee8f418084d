"""Writes of the changes app: a change request of an active placement, its approval by the school, its
supplementary agreement (补充协议) and, when that agreement is sealed, the change applied to the placement."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.agreements.models import Agreement, AgreementKind, AgreementStatus
from backend.agreements.rules import agreement_kind_for
from backend.agreements.services import agreement_supplement_generate
from backend.companies.models import Company, Mentor, Post
from backend.core.audit import actor_user, audit_record
from backend.core.errors import ApplicationError
from backend.notices.services import notice_send
from backend.placements.models import Placement, PlacementEvent, PlacementStatus
from backend.rules.selectors import policy_for_placement
from backend.rules.services.gates import gate_error

from .models import OPEN_STATUSES, ChangeRequest, ChangeStatus
from .selectors import change_gates_check, change_summary, changed_placement


def _coordinators(placement: Placement) -> list[User]:
    return list(
        User.objects.filter(role=Role.COORDINATOR, school_id=placement.pilot.school_id, is_active=True)
    )


def _hr(placement: Placement) -> list[User]:
    return list(User.objects.filter(role=Role.HR, company_id=placement.post.company_id, is_active=True))


def _is_coordinator_of(actor: Any, placement: Placement) -> bool:
    return getattr(actor, "role", None) == Role.COORDINATOR and actor.school_id == placement.pilot.school_id


def _is_hr_of(actor: Any, placement: Placement) -> bool:
    return getattr(actor, "role", None) == Role.HR and actor.company_id == placement.post.company_id


def _forbidden(zh: str, en: str) -> ApplicationError:
    return ApplicationError("FORBIDDEN", zh, en, status=403)


def _lock_capacity_rows(post: Post, mentor: Mentor | None) -> None:
    """Lock the company, the post and the mentor the changed placement would occupy, in the order placements
    uses (company, post, mentor), so that the MENTOR_RATIO, POST_CAP and COMPANY_CAP counts that follow are not
    raced by a proposal or another change taking the last place."""
    list(Company.objects.select_for_update().filter(pk=post.company_id).values_list("pk"))
    list(Post.objects.select_for_update().filter(pk=post.pk).values_list("pk"))
    if mentor is not None:
        list(Mentor.objects.select_for_update().filter(pk=mentor.pk).values_list("pk"))


def _transition(change: ChangeRequest, to: str, *, actor: Any, **fields: Any) -> ChangeRequest:
    if not change.can_move_to(to):
        raise ApplicationError(
            "CHANGE_STATUS",
            f"变更申请状态不能从“{change.get_status_display()}”变为“{ChangeStatus(to).label}”",
            f"a change request cannot move from {change.status} to {to}",
            details={"from": change.status, "to": to},
            status=409,
        )
    before = change.status
    change.status = to
    for name, value in fields.items():
        setattr(change, name, value)
    change.save(update_fields=["status", "updated_at", *fields])
    audit_record(
        actor=actor,
        action=f"change_request.{to}",
        obj=change,
        changes={"status": [before, to], **{k: v for k, v in fields.items() if k != "decided_by"}},
    )
    return change


@transaction.atomic
def change_request_create(
    *,
    actor: Any,
    placement: Placement,
    reason: str,
    new_post: Post | None = None,
    new_mentor: Mentor | None = None,
    new_start_date: datetime.date | None = None,
    new_end_date: datetime.date | None = None,
) -> ChangeRequest:
    """A change of an active placement, asked by the school's coordinator or the company's HR. Refused, with
    nothing written, when it changes nothing, changes the company (CHANGE_COMPANY: end this placement and create a
    new one) or fails a gate a new placement would fail (the gate's code: MENTOR_RATIO, POST_CAP, ...)."""
    placement = Placement.objects.select_for_update().select_related("post", "pilot").get(pk=placement.pk)
    if not (_is_coordinator_of(actor, placement) or _is_hr_of(actor, placement)):
        raise _forbidden(
            "只有学校联络人或企业人事可以申请变更",
            "only the school's coordinator or the company's HR may ask",
        )
    if placement.status != PlacementStatus.ACTIVE:
        raise ApplicationError(
            "CHANGE_NOT_ACTIVE",
            "只有在岗的学徒安排可以申请变更；未生效的安排请直接修改",
            "only an active placement is changed by a change request; edit a proposed one directly",
            status=409,
        )
    if not reason.strip():
        raise ApplicationError("CHANGE_REASON_REQUIRED", "请填写变更理由", "a reason is required")
    if ChangeRequest.objects.filter(placement=placement, status__in=OPEN_STATUSES).exists():
        raise ApplicationError(
            "CHANGE_ALREADY_OPEN",
            "该学徒安排已有一个未完成的变更申请",
            "this placement already has an open change request",
            status=409,
        )
    changed = changed_placement(
        placement,
        new_post=new_post,
        new_mentor=new_mentor,
        new_start_date=new_start_date,
        new_end_date=new_end_date,
    )
    _lock_capacity_rows(changed.post, changed.mentor)
    report = change_gates_check(placement=placement, changed=changed)
    if not report.passed:
        raise gate_error(report)
    change = ChangeRequest.objects.create(
        placement=placement,
        status=ChangeStatus.REQUESTED,
        reason=reason.strip(),
        new_post=new_post if new_post is not None and new_post.pk != placement.post_id else None,
        new_mentor=new_mentor if new_mentor is not None and new_mentor.pk != placement.mentor_id else None,
        new_start_date=new_start_date if new_start_date != placement.start_date else None,
        new_end_date=new_end_date if new_end_date != placement.end_date else None,
        old_post=placement.post,
        old_mentor=placement.mentor,
        old_start_date=placement.start_date,
        old_end_date=placement.end_date,
        requested_by=actor_user(actor),
    )
    audit_record(
        actor=actor,
        action="change_request.create",
        obj=change,
        changes={"placement": placement.pk, "changes": change_summary(change), "reason": change.reason},
    )
    notice_send(
        recipients=[u for u in _coordinators(placement) if u.pk != getattr(actor, "pk", None)],
        kind="change_requested",
        title=f"学徒安排变更申请待审批：{placement.student.name}",
        body="；".join(f"{c['item']}：{c['before']} → {c['after']}" for c in change_summary(change)),
        link=f"/changes/{change.pk}/",
        dedupe_key=f"change-requested:{change.pk}",
    )
    return change


def change_request_approve(*, actor: Any, change: ChangeRequest, as_of: datetime.date) -> ChangeRequest:
    """The school approves (never the company that asked: a party never approves what constrains itself): the
    gates are checked again, then the supplementary agreement is generated and sent for signing."""
    with transaction.atomic():
        change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
        placement = Placement.objects.select_for_update().get(pk=change.placement_id)
        if not _is_coordinator_of(actor, placement):
            raise _forbidden(
                "只有学校联络人可以批准变更", "only the school's coordinator may approve a change"
            )
        if placement.status != PlacementStatus.ACTIVE:
            raise ApplicationError(
                "CHANGE_NOT_ACTIVE", "该学徒安排已不在岗", "the placement is no longer active", status=409
            )
        changed = changed_placement(
            placement,
            new_post=change.new_post,
            new_mentor=change.new_mentor,
            new_start_date=change.new_start_date,
            new_end_date=change.new_end_date,
        )
        _lock_capacity_rows(changed.post, changed.mentor)
        report = change_gates_check(placement=placement, changed=changed)
        if not report.passed:
            raise gate_error(report)
        _transition(
            change,
            ChangeStatus.APPROVED,
            actor=actor,
            decided_by=actor_user(actor),
            decided_at=timezone.now(),
        )
    return change_request_send(actor=actor, change=change, as_of=as_of)


def _original_agreement(placement: Placement) -> Agreement:
    original = (
        Agreement.objects.filter(placement=placement, supplements__isnull=True, status=AgreementStatus.SIGNED)
        .order_by("-created_at", "-id")
        .first()
    )
    if original is None:
        raise ApplicationError(
            "AGREEMENT_NOT_SIGNED",
            "该学徒安排没有已签署的协议，不能订立补充协议",
            "the placement has no signed agreement to supplement",
            status=409,
        )
    return original


def supplement_kind(placement: Placement, *, as_of: datetime.date) -> AgreementKind:
    """Four-party while the apprentice is a minor on the day the supplementary agreement is made (or on the
    placement's start, if that is later), like the agreement itself (AGREEMENT_PARTIES)."""
    kind = agreement_kind_for(
        birth_date=placement.student.birth_date,
        start_date=max(as_of, placement.start_date),
        policy=policy_for_placement(placement),
    )
    return (
        AgreementKind.SUPPLEMENT_FOUR_PARTY
        if kind == AgreementKind.FOUR_PARTY
        else AgreementKind.SUPPLEMENT_THREE_PARTY
    )


def supplement_context(change: ChangeRequest, *, kind: str, as_of: datetime.date) -> dict[str, Any]:
    placement = change.placement
    student, company, school = placement.student, placement.post.company, placement.pilot.school
    four = kind == AgreementKind.SUPPLEMENT_FOUR_PARTY
    guardian = None
    if four:
        g = student.guardians.order_by("-is_primary", "id").first()
        if g is None:
            raise ApplicationError(
                "AGREEMENT_DATA_MISSING",
                "缺少生成补充协议所需的信息：监护人。",
                "Missing for the supplementary agreement: the guardian.",
                details={"fields": ["guardian"]},
                status=422,
            )
        guardian = {"name": g.name, "relation": g.get_relation_display(), "phone": g.phone or "________"}
    return {
        "kind": kind,
        "party_count_cn": "四" if four else "三",
        "copies_cn": "四" if four else "三",
        "pilot_name": placement.pilot.name,
        "date": f"{as_of.year}年{as_of.month}月{as_of.day}日",
        "school": {"name": school.name},
        "company": {"name": company.name, "credit_code": company.credit_code or "________"},
        "student": {"name": student.name, "phone": student.phone or "________"},
        "guardian": guardian,
        "changes": change_summary(change),
        "reason": change.reason,
    }


def change_request_send(*, actor: Any, change: ChangeRequest, as_of: datetime.date) -> ChangeRequest:
    """Generate the supplementary agreement (LibreOffice, outside any lock) and send it for signing. Also the
    retry after a failed conversion, a decline or a void: a draft supplement gets sent, a void one replaced."""
    from backend.signing.services import signing_send  # signing builds on agreements: import late

    change = ChangeRequest.objects.select_related(
        "placement__student", "placement__post__company", "placement__pilot__school", "agreement"
    ).get(pk=change.pk)
    placement = change.placement
    if not _is_coordinator_of(actor, placement):
        raise _forbidden("只有学校联络人可以发出补充协议", "only the school's coordinator may send it")
    if change.status not in (ChangeStatus.APPROVED, ChangeStatus.SIGNING):
        raise ApplicationError(
            "CHANGE_STATUS",
            "只有已批准的变更可以发出补充协议",
            "only an approved change has a supplementary agreement to send",
            details={"status": change.status},
            status=409,
        )
    agreement = change.agreement
    if agreement is not None and agreement.status in (AgreementStatus.SENT, AgreementStatus.SIGNED):
        raise ApplicationError(
            "AGREEMENT_IN_SIGNING",
            "补充协议已在签署中或已签署",
            "the supplementary agreement is already out for signing or signed",
            status=409,
        )
    if agreement is None or agreement.status == AgreementStatus.VOID:
        kind = supplement_kind(placement, as_of=as_of)
        agreement = agreement_supplement_generate(
            actor=actor,
            original=_original_agreement(placement),
            kind=kind,
            context=supplement_context(change, kind=kind, as_of=as_of),
        )
    with transaction.atomic():
        change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
        revision = agreement.revisions.order_by("-number").first()
        assert revision is not None
        signing_send(actor=actor, revision=revision, now=timezone.now())
        if change.status == ChangeStatus.APPROVED:
            _transition(change, ChangeStatus.SIGNING, actor=actor, agreement=agreement)
        else:
            change.agreement = agreement
            change.save(update_fields=["agreement", "updated_at"])
    return change


@transaction.atomic
def change_request_refuse(*, actor: Any, change: ChangeRequest, reason: str) -> ChangeRequest:
    change = ChangeRequest.objects.select_for_update().select_related("placement__pilot").get(pk=change.pk)
    if not _is_coordinator_of(actor, change.placement):
        raise _forbidden("只有学校联络人可以不予批准", "only the school's coordinator may refuse a change")
    if not reason.strip():
        raise ApplicationError("CHANGE_REASON_REQUIRED", "请填写不予批准的理由", "a reason is required")
    _transition(
        change,
        ChangeStatus.REFUSED,
        actor=actor,
        decided_by=actor_user(actor),
        decided_at=timezone.now(),
        refusal_reason=reason.strip(),
    )
    notice_send(
        recipients=[change.requested_by],
        kind="change_refused",
        title=f"变更申请未获批准：{change.placement.student.name}",
        body=reason.strip(),
        link=f"/changes/{change.pk}/",
        dedupe_key=f"change-refused:{change.pk}",
    )
    return change


@transaction.atomic
def change_request_withdraw(*, actor: Any, change: ChangeRequest) -> ChangeRequest:
    """The requester (or the school) takes the request back; a supplementary agreement out for signing is voided."""
    from backend.agreements.services import agreement_void

    change = ChangeRequest.objects.select_for_update().select_related("placement__pilot").get(pk=change.pk)
    placement = change.placement
    own = change.requested_by_id is not None and change.requested_by_id == getattr(actor, "pk", None)
    if not (_is_coordinator_of(actor, placement) or (own and _is_hr_of(actor, placement))):
        raise _forbidden("只有申请人或学校联络人可以撤回", "only the requester or the school may withdraw it")
    if change.agreement is not None and change.agreement.status != AgreementStatus.VOID:
        agreement_void(actor=actor, agreement=change.agreement, reason="变更申请已撤回 / change withdrawn")
    return _transition(change, ChangeStatus.WITHDRAWN, actor=actor)


def change_request_apply(*, change: ChangeRequest, now: datetime.datetime) -> ChangeRequest:
    """The sealed supplementary agreement makes the change effective: the placement takes the new values (its
    event log notes the change and the agreement), under the same locks and gates as a new placement. A gate that
    fails by now (the mentor took another apprentice meanwhile) refuses the change and tells the school."""
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != ChangeStatus.SIGNING:
        return change
    placement = Placement.objects.select_for_update().get(pk=change.placement_id)
    changed = changed_placement(
        placement,
        new_post=change.new_post,
        new_mentor=change.new_mentor,
        new_start_date=change.new_start_date,
        new_end_date=change.new_end_date,
        require_change=False,
    )
    _lock_capacity_rows(changed.post, changed.mentor)
    report = change_gates_check(placement=placement, changed=changed)
    error: ApplicationError | None = None
    if placement.status != PlacementStatus.ACTIVE:
        error = ApplicationError(
            "CHANGE_NOT_ACTIVE", "该学徒安排已不在岗", "the placement is no longer active"
        )
    elif not report.passed:
        error = gate_error(report)
    if error is not None:
        _transition(
            change,
            ChangeStatus.REFUSED,
            actor=None,
            decided_at=now,
            refusal_reason=f"补充协议封存时未通过检查 / failed when sealed: {error.code} {error.message}",
        )
        notice_send(
            recipients=_coordinators(placement),
            kind="change_failed",
            title=f"补充协议已封存但变更未能生效：{placement.student.name}（{error.code}）",
            body=error.message,
            link=f"/changes/{change.pk}/",
            dedupe_key=f"change-failed:{change.pk}",
        )
        return change
    summary = change_summary(change)
    fields = []
    for name, value in (
        ("post", change.new_post),
        ("mentor", change.new_mentor),
        ("start_date", change.new_start_date),
        ("end_date", change.new_end_date),
    ):
        if value is not None:
            setattr(placement, name, value)
            fields.append(name)
    placement.save(update_fields=[*fields, "updated_at"])
    number = change.agreement.number if change.agreement else ""
    note = f"补充协议{number}生效 / supplementary agreement in force: " + "；".join(
        f"{c['item']} {c['before']} → {c['after']}" for c in summary
    )
    PlacementEvent.objects.create(
        placement=placement, actor=None, from_status=placement.status, to_status=placement.status, note=note
    )
    audit_record(
        actor=None,
        action="placement.change",
        obj=placement,
        changes={"change_request": change.pk, "agreement": number, "changes": summary},
    )
    _transition(change, ChangeStatus.EFFECTIVE, actor=None, effective_at=now)
    notice_send(
        recipients=_coordinators(placement) + _hr(placement),
        kind="change_effective",
        title=f"学徒安排变更已生效：{placement.student.name}",
        body=note,
        link=f"/changes/{change.pk}/",
        dedupe_key=f"change-effective:{change.pk}",
    )
    return change


def change_request_sealed_hook(envelope: Any, now: datetime.datetime) -> None:
    """Registered with signing (ChangesConfig.ready): runs inside the sealing transaction."""
    if envelope.revision_id is None:  # not an agreement (an informed-consent form)
        return
    agreement_id = envelope.revision.agreement_id
    change = ChangeRequest.objects.filter(agreement_id=agreement_id).first()
    if change is not None:
        change_request_apply(change=change, now=now)
