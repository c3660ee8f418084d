"""/api/v1/placement-pauses/, placement-terminations/, placement-completions/, injury-reports/: scoped reads
(whoever sees the placement), writes through the services (which check who may act on which placement)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role
from backend.api.mixins import ScopedModelViewSet, ScopedRelatedFieldsMixin
from backend.api.validation import SensibleDateField
from backend.core.clock import local_today, now
from backend.placements.models import Placement

from . import services
from .models import (
    ClaimStatus,
    Completion,
    InjuryReport,
    InjurySeverity,
    Pause,
    PauseReason,
    Termination,
    TerminationParty,
    TerminationReason,
)

GET_POST = ["get", "post", "head", "options"]  # no edits or deletes: every write is a service


class _PlacementInput(ScopedRelatedFieldsMixin, serializers.Serializer):
    """A placement the requesting user can see (another tenant's reads as 'does not exist')."""

    placement = serializers.PrimaryKeyRelatedField(queryset=Placement.objects.all())


class PauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pause
        fields = [
            "id",
            "placement",
            "start_date",
            "planned_end_date",
            "end_date",
            "reason",
            "note",
            "resumed_on",
            "created_at",
        ]
        read_only_fields = fields


class PauseInput(_PlacementInput):
    start_date = SensibleDateField()
    end_date = SensibleDateField()
    reason = serializers.ChoiceField(choices=PauseReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ResumeInput(serializers.Serializer):
    on = SensibleDateField(required=False)


class PauseViewSet(ScopedModelViewSet):
    """Pause an active placement (POST), resume it (`resume`, on a day: early or late)."""

    base_queryset = Pause.objects.select_related("placement")
    serializer_class = PauseSerializer
    write_roles = (Role.COORDINATOR,)
    http_method_names = GET_POST
    filterset_fields = ["placement", "reason"]

    @extend_schema(request=PauseInput, responses={201: PauseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = PauseInput(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        pause = services.placement_pause(actor=request.user, today=local_today(), **payload.validated_data)
        return Response(PauseSerializer(pause).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResumeInput, responses=PauseSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        pause = self.get_object()
        payload = ResumeInput(data=request.data)
        payload.is_valid(raise_exception=True)
        today = local_today()
        pause = services.placement_resume(
            actor=request.user,
            placement=pause.placement,
            on=payload.validated_data.get("on") or today,
            today=today,
        )
        return Response(PauseSerializer(pause).data)


class TerminationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Termination
        fields = [
            "id",
            "placement",
            "initiated_by",
            "reason",
            "details",
            "effective_date",
            "status",
            "decided_at",
            "decision_note",
            "effects",
            "created_at",
        ]
        read_only_fields = fields


class TerminationInput(_PlacementInput):
    initiated_by = serializers.ChoiceField(choices=TerminationParty.choices, required=False)
    reason = serializers.ChoiceField(choices=TerminationReason.choices)
    effective_date = SensibleDateField()
    details = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DecisionInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TerminationViewSet(ScopedModelViewSet):
    """A coordinator terminates (POST, with who asked); HR's POST is a request the school confirms or declines."""

    base_queryset = Termination.objects.select_related("placement")
    serializer_class = TerminationSerializer
    write_roles = (Role.COORDINATOR, Role.HR)
    http_method_names = GET_POST
    filterset_fields = ["placement", "status", "reason"]

    def get_write_roles(self) -> tuple[str, ...]:
        return (Role.COORDINATOR,) if self.action in ("confirm", "decline") else self.write_roles

    @extend_schema(request=TerminationInput, responses={201: TerminationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = TerminationInput(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        if getattr(request.user, "role", None) == Role.HR:
            data.pop("initiated_by", None)
            termination = services.termination_request(actor=request.user, **data)
        else:
            data.setdefault("initiated_by", TerminationParty.SCHOOL)
            termination = services.placement_terminate(actor=request.user, **data)
        return Response(TerminationSerializer(termination).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionInput, responses=TerminationSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        payload = DecisionInput(data=request.data)
        payload.is_valid(raise_exception=True)
        termination = services.termination_confirm(
            actor=request.user, termination=self.get_object(), note=payload.validated_data["note"]
        )
        return Response(TerminationSerializer(termination).data)

    @extend_schema(request=DecisionInput, responses=TerminationSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        payload = DecisionInput(data=request.data)
        payload.is_valid(raise_exception=True)
        termination = services.termination_decline(
            actor=request.user, termination=self.get_object(), note=payload.validated_data["note"]
        )
        return Response(TerminationSerializer(termination).data)


class CompletionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Completion
        fields = ["id", "placement", "completed_on", "standard_reached", "standard_source", "reasons", "note"]
        read_only_fields = fields


class CompletionInput(_PlacementInput):
    completed_on = SensibleDateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CompletionViewSet(ScopedModelViewSet):
    """Complete an active placement (POST): the training standard reached or not is computed and recorded."""

    base_queryset = Completion.objects.select_related("placement")
    serializer_class = CompletionSerializer
    write_roles = (Role.COORDINATOR,)
    http_method_names = GET_POST
    filterset_fields = ["placement", "standard_reached"]

    @extend_schema(request=CompletionInput, responses={201: CompletionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = CompletionInput(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        today = local_today()
        data = dict(payload.validated_data)
        data["completed_on"] = data.get("completed_on") or today
        completion = services.placement_complete(actor=request.user, today=today, **data)
        return Response(CompletionSerializer(completion).data, status=status.HTTP_201_CREATED)


class InjuryReportSerializer(serializers.ModelSerializer):
    reported_by: serializers.Field = serializers.StringRelatedField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = InjuryReport
        fields = [
            "id",
            "placement",
            "occurred_at",
            "location",
            "description",
            "treatment",
            "severity",
            "reported_by",
            "reported_at",
            "deadline_at",
            "overdue",
            "authority_reported_at",
            "authority_reference",
            "policy_numbers",
            "claim_status",
            "claim_reference",
            "medical_costs",
            "claimed_amount",
            "paid_amount",
        ]
        read_only_fields = fields

    def get_overdue(self, obj: InjuryReport) -> bool:
        return obj.is_overdue(now())


class InjuryInput(_PlacementInput):
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=300)
    description = serializers.CharField(max_length=5000)
    treatment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    severity = serializers.ChoiceField(choices=InjurySeverity.choices)


class AuthorityReportInput(serializers.Serializer):
    at = serializers.DateTimeField(required=False)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class ClaimInput(serializers.Serializer):
    claim_status = serializers.ChoiceField(choices=ClaimStatus.choices, required=False)
    claim_reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    policy_numbers = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    medical_costs = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    claimed_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    paid_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)


class InjuryReportViewSet(ScopedModelViewSet):
    """Report an injury (POST: HR, mentor, coordinator, teacher), record the report to the authorities
    (`authority-report`) and track the claim (`claim`: the school's coordinator or the company's HR)."""

    base_queryset = InjuryReport.objects.select_related("placement", "reported_by")
    serializer_class = InjuryReportSerializer
    write_roles = (Role.COORDINATOR, Role.HR, Role.MENTOR, Role.TEACHER)
    http_method_names = GET_POST
    filterset_fields = ["placement", "severity", "claim_status"]
    ordering_fields = ["occurred_at", "deadline_at"]

    def get_write_roles(self) -> tuple[str, ...]:
        return (
            (Role.COORDINATOR, Role.HR) if self.action in ("authority_report", "claim") else self.write_roles
        )

    @extend_schema(request=InjuryInput, responses={201: InjuryReportSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = InjuryInput(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        injury = services.injury_report(actor=request.user, now=now(), **payload.validated_data)
        return Response(InjuryReportSerializer(injury).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AuthorityReportInput, responses=InjuryReportSerializer)
    @action(detail=True, methods=["post"], url_path="authority-report")
    def authority_report(self, request: Request, pk: str | None = None) -> Response:
        payload = AuthorityReportInput(data=request.data)
        payload.is_valid(raise_exception=True)
        moment = now()
        injury = services.injury_authority_reported(
            actor=request.user,
            injury=self.get_object(),
            at=payload.validated_data.get("at") or moment,
            reference=payload.validated_data["reference"],
            now=moment,
        )
        return Response(InjuryReportSerializer(injury).data)

    @extend_schema(request=ClaimInput, responses=InjuryReportSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        payload = ClaimInput(data=request.data)
        payload.is_valid(raise_exception=True)
        injury = services.injury_claim_update(
            actor=request.user, injury=self.get_object(), **payload.validated_data
        )
        return Response(InjuryReportSerializer(injury).data)


routes = [
    ("placement-pauses", PauseViewSet),
    ("placement-terminations", TerminationViewSet),
    ("placement-completions", CompletionViewSet),
    ("injury-reports", InjuryReportViewSet),
]
