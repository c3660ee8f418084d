"""The violation workflow: acknowledge, resolve."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.core.audit import audit_record
from backend.core.errors import ApplicationError
from backend.rules.models import Violation, ViolationStatus


@transaction.atomic
def violation_acknowledge(*, actor: Any, violation: Violation, note: str = "") -> Violation:
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
    if violation.status == ViolationStatus.RESOLVED:
        raise ApplicationError(
            "VIOLATION_RESOLVED", "该记录已解决", "the violation is already resolved", status=409
        )
    if not note.strip():
        raise ApplicationError("RESOLVE_NOTE", "请说明处理方式", "say how it was resolved")
    violation.status = ViolationStatus.RESOLVED
    violation.resolved_by = actor
    violation.resolved_at = timezone.now()
    violation.note = note
    violation.save(update_fields=["status", "resolved_by", "resolved_at", "note", "updated_at"])
    audit_record(actor=actor, action="rules.violation_resolve", obj=violation, changes={"note": note})
    return violation
