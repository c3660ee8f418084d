"""The violation workflow. Who may close what (issue 13): the company never closes its own violation.

- anyone who sees the violation and may write (school or company) acknowledges it (seen, being handled);
- the company (HR) proposes a resolution with its evidence (text, an optional file);
- the school's coordinator (or the bureau) accepts the proposal, which resolves the violation, or rejects it
  with a reason, which leaves it open; the school (or the bureau) may also resolve it directly.

A resolved violation whose condition still holds is reopened by the next audit (services/audit), unless an
exception filed with the authority covers it. Every change locks the violation row first (then the proposal).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role
from backend.core.audit import audit_record
from backend.core.errors import ApplicationError
from backend.core.uploads import Refusal, validate_upload
from backend.rules.models import ProposalStatus, ResolutionProposal, Violation, ViolationStatus

# Who closes a violation: the school or the bureau (an administrator too), never the company.
VIOLATION_CLOSERS: tuple[str, ...] = (Role.COORDINATOR, Role.BUREAU, Role.ADMIN)
# Who proposes a resolution: the company.
RESOLUTION_PROPOSERS: tuple[str, ...] = (Role.HR, Role.ADMIN)
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_KINDS = ("pdf", "png", "jpeg")


def _role_in(actor: Any, roles: tuple[str, ...]) -> bool:
    return bool(getattr(actor, "is_superuser", False) or getattr(actor, "role", None) in roles)


def _require_closer(actor: Any) -> None:
    if not _role_in(actor, VIOLATION_CLOSERS):
        raise ApplicationError(
            "VIOLATION_SCHOOL_ONLY",
            "违规记录只能由学校（或教育局）确认解决；企业可提交处理建议，由学校确认",
            "only the school (or the bureau) resolves a violation; the company proposes a resolution",
            status=403,
        )


def _locked(violation: Violation) -> Violation:
    return Violation.objects.select_for_update().get(pk=violation.pk)


def _not_resolved(violation: Violation) -> None:
    if violation.status == ViolationStatus.RESOLVED:
        raise ApplicationError(
            "VIOLATION_RESOLVED", "该记录已解决", "the violation is already resolved", status=409
        )


def _resolve(violation: Violation, *, actor: Any, note: str) -> None:
    violation.status = ViolationStatus.RESOLVED
    violation.resolved_by = actor
    violation.resolved_at = timezone.now()
    violation.note = note
    violation.save(update_fields=["status", "resolved_by", "resolved_at", "note", "updated_at"])


@transaction.atomic
def violation_acknowledge(*, actor: Any, violation: Violation, note: str = "") -> Violation:
    violation = _locked(violation)
    if violation.status != ViolationStatus.OPEN:
        raise ApplicationError(
            "VIOLATION_NOT_OPEN",
            "只有待处理的记录可以确认知悉",
            "only an open violation can be acknowledged",
            status=409,
        )
    violation.status = ViolationStatus.ACKNOWLEDGED
    violation.note = note
    violation.save(update_fields=["status", "note", "updated_at"])
    audit_record(actor=actor, action="rules.violation_acknowledge", obj=violation, changes={"note": note})
    return violation


@transaction.atomic
def violation_resolve(*, actor: Any, violation: Violation, note: str) -> Violation:
    """The school (or the bureau) closes a violation, saying how it was resolved."""
    _require_closer(actor)
    if not note.strip():
        raise ApplicationError("RESOLVE_NOTE", "请说明处理方式", "say how it was resolved")
    violation = _locked(violation)
    _not_resolved(violation)
    _resolve(violation, actor=actor, note=note)
    audit_record(actor=actor, action="rules.violation_resolve", obj=violation, changes={"note": note})
    return violation


def _check_evidence(evidence: UploadedFile | None) -> None:
    """A PDF, PNG or JPG of at most 10 MB, its bytes what its name says (a renamed file is refused)."""
    if evidence is None:
        return
    validate_upload(
        evidence,
        kinds=EVIDENCE_KINDS,
        max_bytes=EVIDENCE_MAX_BYTES,
        too_large=Refusal(
            "EVIDENCE_TOO_LARGE", "证据文件不得超过 10 MB", "the evidence file may be at most 10 MB"
        ),
        wrong_type=Refusal(
            "EVIDENCE_TYPE", "证据文件须为 PDF、PNG 或 JPG", "the evidence must be a PDF, PNG or JPG file"
        ),
    )


@transaction.atomic
def violation_resolution_propose(
    *, actor: Any, violation: Violation, text: str, evidence: UploadedFile | None = None
) -> ResolutionProposal:
    """The company proposes how the violation was resolved, with its evidence; the school decides."""
    if not _role_in(actor, RESOLUTION_PROPOSERS):
        raise ApplicationError(
            "PROPOSAL_COMPANY_ONLY",
            "处理建议由企业提交；学校可直接确认解决",
            "the company proposes a resolution; the school resolves directly",
            status=403,
        )
    if not text.strip():
        raise ApplicationError(
            "PROPOSAL_TEXT", "请说明处理方式和证据", "say how it was resolved and what proves it"
        )
    _check_evidence(evidence)
    violation = _locked(violation)
    _not_resolved(violation)
    if violation.proposals.filter(status=ProposalStatus.PENDING).exists():
        raise ApplicationError(
            "PROPOSAL_PENDING",
            "已有待学校确认的处理建议",
            "a proposed resolution is already waiting for the school",
            status=409,
        )
    proposal = ResolutionProposal(
        violation=violation, text=text, proposed_by=actor if getattr(actor, "pk", None) else None
    )
    if evidence is not None:
        proposal.evidence.save(os.path.basename(evidence.name or "evidence"), evidence, save=False)
    proposal.save()
    audit_record(
        actor=actor,
        action="rules.resolution_propose",
        obj=violation,
        changes={"proposal": proposal.pk, "text": text, "evidence": proposal.evidence.name or None},
    )
    return proposal


def _locked_pending(proposal: ResolutionProposal) -> tuple[Violation, ResolutionProposal]:
    violation = Violation.objects.select_for_update().get(pk=proposal.violation_id)  # the violation first
    proposal = ResolutionProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PENDING:
        raise ApplicationError(
            "PROPOSAL_DECIDED", "该处理建议已处理", "the proposal has already been decided", status=409
        )
    return violation, proposal


@transaction.atomic
def resolution_proposal_accept(*, actor: Any, proposal: ResolutionProposal) -> ResolutionProposal:
    """The school accepts the company's proposal: the violation is resolved by the school, with its text."""
    _require_closer(actor)
    violation, proposal = _locked_pending(proposal)
    _not_resolved(violation)
    proposal.status, proposal.decided_by, proposal.decided_at = ProposalStatus.ACCEPTED, actor, timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    _resolve(violation, actor=actor, note=proposal.text)
    audit_record(
        actor=actor, action="rules.resolution_accept", obj=violation, changes={"proposal": proposal.pk}
    )
    return proposal


@transaction.atomic
def resolution_proposal_reject(
    *, actor: Any, proposal: ResolutionProposal, reason: str
) -> ResolutionProposal:
    """The school rejects the company's proposal, with the reason; the violation stays as it was."""
    _require_closer(actor)
    if not reason.strip():
        raise ApplicationError("REJECT_REASON", "请说明驳回理由", "give the reason for the rejection")
    violation, proposal = _locked_pending(proposal)
    proposal.status, proposal.decided_by, proposal.decided_at = ProposalStatus.REJECTED, actor, timezone.now()
    proposal.decision_note = reason
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit_record(
        actor=actor,
        action="rules.resolution_reject",
        obj=violation,
        changes={"proposal": proposal.pk, "reason": reason},
    )
    return proposal
