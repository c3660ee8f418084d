"""The base of every model API: scoped reads, role-checked writes through services, one error shape."""

from typing import Any

from django.db import models
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request

from backend.accounts.scoping import can_write, scope_queryset
from backend.api.fields import NameField
from backend.core.services import model_create, model_delete, model_update


class ScopedRelatedFieldsMixin:
    """Related-object fields only accept objects the requesting user can see (others read as 'does not exist')."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # type: ignore[misc]
        request = self.context.get("request")  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if queryset is not None and not field.read_only:
                target.queryset = scope_queryset(user, queryset)
        return fields


# Model text fields that hold a name (of a student, guardian, mentor, company, pilot, school, program): the model
# serializers read them through NameField, which cleans invisible characters on the way in.
NAME_FIELDS = frozenset({"name", "legal_representative"})


class ScopedModelSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    def build_standard_field(self, field_name: str, model_field: models.Field) -> tuple[type, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_name in NAME_FIELDS and field_class is serializers.CharField:
            field_class = NameField
        return field_class, kwargs


class RoleWritePermission(permissions.BasePermission):
    """Everyone authenticated may read what their scope shows; writing needs one of the view's `write_roles`."""

    message = "your role may not change these records"

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_write(request.user, *view.get_write_roles())


class ScopedModelViewSet(viewsets.ModelViewSet):
    """CRUD over one model. Subclasses name the model's base queryset, the write roles and, where the domain
    needs more than a validated save, the service functions to call."""

    permission_classes = [RoleWritePermission]
    write_roles: tuple[str, ...] = ()
    base_queryset: models.QuerySet | None = None

    def get_write_roles(self) -> tuple[str, ...]:
        return self.write_roles

    def get_queryset(self) -> models.QuerySet:
        assert self.base_queryset is not None
        return scope_queryset(self.request.user, self.base_queryset.all())

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = self.create_object(dict(serializer.validated_data))

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = self.update_object(serializer.instance, dict(serializer.validated_data))

    def perform_destroy(self, instance: models.Model) -> None:
        model_delete(instance=instance, actor=self.request.user)

    # The default services: a validated, audited save. Override where the domain has its own service.
    def create_object(self, data: dict[str, Any]) -> Any:
        assert self.base_queryset is not None
        return model_create(model=self.base_queryset.model, actor=self.request.user, data=data)

    def update_object(self, instance: Any, data: dict[str, Any]) -> Any:
        return model_update(instance=instance, actor=self.request.user, data=data)
