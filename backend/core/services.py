"""Small write helpers shared by the apps' services."""

import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from .audit import audit_record, model_changes
from .errors import ApplicationError

M = TypeVar("M", bound=models.Model)


def validation_error_to_application_error(exc: ValidationError) -> ApplicationError:
    details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return ApplicationError("VALIDATION", "数据校验未通过", "validation failed", details=details)


def full_clean_or_raise(instance: models.Model, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise validation_error_to_application_error(exc) from exc


@transaction.atomic
def model_create(*, model: type[M], actor: Any, data: dict[str, Any]) -> M:
    m2m = {k: data.pop(k) for k in list(data) if isinstance(model._meta.get_field(k), models.ManyToManyField)}
    instance = model(**data)
    full_clean_or_raise(instance)
    instance.save()
    for field, values in m2m.items():
        getattr(instance, field).set(values)
    audit_record(
        actor=actor, action=f"{model._meta.model_name}.create", obj=instance, changes={**data, **m2m}
    )
    return instance


@transaction.atomic
def model_update(*, instance: M, actor: Any, data: dict[str, Any]) -> M:
    model = type(instance)
    m2m = {k: data.pop(k) for k in list(data) if isinstance(model._meta.get_field(k), models.ManyToManyField)}
    changes: dict[str, Any] = model_changes(instance, data)
    full_clean_or_raise(instance)
    if changes:
        instance.save(update_fields=[*changes, *(["updated_at"] if hasattr(instance, "updated_at") else [])])
    for field, values in m2m.items():
        getattr(instance, field).set(values)
        changes[field] = [v.pk if hasattr(v, "pk") else v for v in values]
    if changes:
        audit_record(actor=actor, action=f"{model._meta.model_name}.update", obj=instance, changes=changes)
    return instance


@transaction.atomic
def model_delete(*, instance: models.Model, actor: Any) -> None:
    audit_record(actor=actor, action=f"{instance._meta.model_name}.delete", obj=instance, changes={})
    try:
        instance.delete()
    except models.ProtectedError as exc:
        raise ApplicationError(
            "IN_USE",
            "该记录仍被其他数据引用，无法删除",
            "this record is still referenced and cannot be deleted",
            status=409,
        ) from exc


def heartbeat_record(*, marker: str = "") -> str:
    import socket

    from .models import Heartbeat

    beat = Heartbeat.objects.create(marker=marker, hostname=socket.gethostname())
    if marker:  # periodic heartbeats keep a day of history, not every beat forever
        Heartbeat.objects.filter(marker=marker, at__lt=beat.at - datetime.timedelta(days=1)).delete()
    return beat.at.isoformat()
