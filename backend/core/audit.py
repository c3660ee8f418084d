"""The audit trail: every service that writes a domain object calls `audit_record` in the same transaction."""

import datetime
import decimal
from typing import Any

from django.db import models

from .models import AuditEvent


def actor_user(actor: Any) -> Any:
    """The acting user to store on an audit or event row: a saved user, else None (the system, a link signer)."""
    return actor if getattr(actor, "pk", None) else None


def jsonable(value: Any) -> Any:
    """`value` as JSON-ready data: dates and times in ISO form, Decimals as strings, model instances as their pk."""
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def audit_record(
    *, actor: Any, action: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor_user(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        changes=jsonable(changes or {}),
    )


def model_changes(instance: models.Model, data: dict[str, Any]) -> dict[str, list[Any]]:
    """{"field": [old, new]} for the fields in `data` whose value differs; applies them to `instance`."""
    changes: dict[str, list[Any]] = {}
    for field, new in data.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = [jsonable(old), jsonable(new)]
            setattr(instance, field, new)
    return changes
