"""/api/v1/change-requests/: a change of an active placement (HR or the school asks; the school approves, refuses;
the requester or the school withdraws). Reads are scoped (backend/changes/scopes.py); writes go through services."""

from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role
from backend.api.mixins import ScopedModelViewSet, ScopedRelatedFieldsMixin
from backend.companies.models import Mentor, Post
from backend.core.clock import local_today
from backend.placements.models import Placement

from . import services
from .models import ChangeRequest
from .selectors import change_summary


class ChangeRequestSerializer(serializers.ModelSerializer):
    changes = serializers.SerializerMethodField()
    agreement_number = serializers.CharField(source="agreement.number", read_only=True, default=None)
    agreement_status = serializers.CharField(source="agreement.status", read_only=True, default=None)

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "placement",
            "status",
            "reason",
            "new_post",
            "new_mentor",
            "new_start_date",
            "new_end_date",
            "old_post",
            "old_mentor",
            "old_start_date",
            "old_end_date",
            "changes",
            "requested_by",
            "decided_by",
            "decided_at",
            "refusal_reason",
            "agreement",
            "agreement_number",
            "agreement_status",
            "effective_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_changes(self, obj: ChangeRequest) -> list[dict[str, str]]:
        return change_summary(obj)


class ChangeRequestCreateInput(ScopedRelatedFieldsMixin, serializers.Serializer):
    placement = serializers.PrimaryKeyRelatedField(queryset=Placement.objects.all())
    reason = serializers.CharField(max_length=2000)
    new_post = serializers.PrimaryKeyRelatedField(
        queryset=Post.objects.all(), required=False, allow_null=True
    )
    new_mentor = serializers.PrimaryKeyRelatedField(
        queryset=Mentor.objects.all(), required=False, allow_null=True
    )
    new_start_date = serializers.DateField(required=False, allow_null=True)
    new_end_date = serializers.DateField(required=False, allow_null=True)


class ChangeRefuseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ChangeRequestViewSet(ScopedModelViewSet):
    base_queryset = ChangeRequest.objects.select_related(
        "agreement", "old_post", "old_mentor", "new_post", "new_mentor"
    )
    serializer_class = ChangeRequestSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["placement", "status"]

    def get_write_roles(self) -> tuple[str, ...]:
        return {
            "create": (Role.COORDINATOR, Role.HR),
            "withdraw": (Role.COORDINATOR, Role.HR),
            "approve": (Role.COORDINATOR,),
            "refuse": (Role.COORDINATOR,),
            "send": (Role.COORDINATOR,),
        }.get(self.action or "", ())

    def _answer(self, change: Any, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=change.pk)).data, status=code)

    @extend_schema(request=ChangeRequestCreateInput, responses={201: ChangeRequestSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = ChangeRequestCreateInput(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        change = services.change_request_create(actor=request.user, **payload.validated_data)
        return self._answer(change, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """The school approves: the gates again, then the supplementary agreement is generated and sent."""
        change = services.change_request_approve(
            actor=request.user, change=self.get_object(), as_of=local_today()
        )
        return self._answer(change)

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str | None = None) -> Response:
        """Send the supplementary agreement again (after a failed conversion, a decline or a void)."""
        change = services.change_request_send(
            actor=request.user, change=self.get_object(), as_of=local_today()
        )
        return self._answer(change)

    @extend_schema(request=ChangeRefuseInput, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        payload = ChangeRefuseInput(data=request.data)
        payload.is_valid(raise_exception=True)
        change = services.change_request_refuse(
            actor=request.user, change=self.get_object(), reason=payload.validated_data["reason"]
        )
        return self._answer(change)

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        change = services.change_request_withdraw(actor=request.user, change=self.get_object())
        return self._answer(change)

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().order_by("-created_at", "-id")


routes = [("change-requests", ChangeRequestViewSet)]
