from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role
from backend.api.mixins import ScopedModelSerializer, ScopedModelViewSet
from backend.api.validation import EARLIEST_YEAR, LATEST_YEAR, sensible_date

from . import services
from .models import (
    HealthCheck,
    InsurancePolicy,
    PilotProject,
    Placement,
    PlacementEvent,
    PlacementStage,
    PlacementStatus,
)


class PilotProjectSerializer(ScopedModelSerializer):
    class Meta:
        model = PilotProject
        fields = ["id", "name", "school", "program", "companies", "form", "year", "signing_order"]
        extra_kwargs = {"year": {"min_value": EARLIEST_YEAR, "max_value": LATEST_YEAR}}

    def validate_signing_order(self, order: Any) -> list[str]:
        # A multipart "null" reaches here as None (the JSON parse happens after the null check): refuse it, and
        # anything that is not a list of the four parties, before the database sees it.
        if order is None:
            raise serializers.ValidationError("may not be null; an empty list means the default order")
        parties = {"student", "guardian", "company", "school"}
        if not isinstance(order, list) or not all(isinstance(p, str) for p in order):
            raise serializers.ValidationError("a list of party names")
        if order and sorted(order) != sorted(parties):
            raise serializers.ValidationError("name each of student, guardian, company, school exactly once")
        return order

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        school = attrs.get("school") or getattr(self.instance, "school", None)
        program = attrs.get("program") or getattr(self.instance, "program", None)
        if school and program and program.school_id != school.pk:
            raise serializers.ValidationError({"program": "the program belongs to another school"})
        return attrs


class PilotProjectViewSet(ScopedModelViewSet):
    base_queryset = PilotProject.objects.select_related("school", "program").prefetch_related("companies")
    serializer_class = PilotProjectSerializer
    write_roles = (Role.COORDINATOR,)
    filterset_fields = ["school", "program", "year", "form"]
    search_fields = ["name"]
    ordering_fields = ["year", "name"]


class PlacementStageSerializer(ScopedModelSerializer):
    class Meta:
        model = PlacementStage
        fields = [
            "id",
            "placement",
            "number",
            "name",
            "school_months",
            "company_start",
            "company_end",
            "content",
        ]
        extra_kwargs = {
            "company_start": {"validators": [sensible_date]},
            "company_end": {"validators": [sensible_date]},
        }


class PlacementStageInlineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlacementStage
        fields = ["number", "name", "school_months", "company_start", "company_end", "content"]
        extra_kwargs = {
            "number": {"required": False},
            "company_start": {"validators": [sensible_date]},
            "company_end": {"validators": [sensible_date]},
        }


class PlacementSerializer(ScopedModelSerializer):
    stages = PlacementStageInlineSerializer(many=True, required=False)
    company = serializers.IntegerField(source="post.company_id", read_only=True)

    class Meta:
        model = Placement
        fields = [
            "id",
            "pilot",
            "student",
            "post",
            "company",
            "mentor",
            "status",
            "start_date",
            "end_date",
            "monthly_pay",
            "supervising_teacher",
            "supervising_teacher_phone",
            "board_and_lodging",
            "stages",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]
        extra_kwargs = {
            "start_date": {"validators": [sensible_date]},
            "end_date": {"validators": [sensible_date]},
        }


class PlacementTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=PlacementStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PlacementEventSerializer(serializers.ModelSerializer):
    actor: serializers.Field = serializers.StringRelatedField()

    class Meta:
        model = PlacementEvent
        fields = ["id", "at", "actor", "from_status", "to_status", "note"]


class PlacementViewSet(ScopedModelViewSet):
    base_queryset = Placement.objects.select_related(
        "pilot", "student", "post__company", "mentor"
    ).prefetch_related("stages")
    serializer_class = PlacementSerializer
    write_roles = (Role.COORDINATOR,)
    filterset_fields = ["pilot", "student", "post", "post__company", "mentor", "status"]
    search_fields = ["student__name", "post__title"]
    ordering_fields = ["start_date", "status", "created_at"]

    def create_object(self, data: dict[str, Any]) -> Placement:
        stages = [dict(s) for s in data.pop("stages", [])]
        return services.placement_create(actor=self.request.user, stages=stages, **data)

    def update_object(self, instance: Placement, data: dict[str, Any]) -> Placement:
        data.pop("stages", None)
        return services.placement_update(actor=self.request.user, placement=instance, data=data)

    @extend_schema(request=PlacementTransitionSerializer, responses=PlacementSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        placement = self.get_object()
        payload = PlacementTransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        placement = services.placement_transition(
            placement=placement,
            to=payload.validated_data["to"],
            actor=request.user,
            note=payload.validated_data["note"],
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=placement.pk)).data, status=status.HTTP_200_OK
        )

    @extend_schema(responses=PlacementEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request: Request, pk: str | None = None) -> Response:
        placement = self.get_object()
        events = placement.events.select_related("actor")
        return Response(PlacementEventSerializer(events, many=True).data)


class PlacementStageViewSet(ScopedModelViewSet):
    base_queryset = PlacementStage.objects.select_related("placement")
    serializer_class = PlacementStageSerializer
    write_roles = (Role.COORDINATOR,)
    filterset_fields = ["placement"]
    ordering_fields = ["number"]


class HealthCheckSerializer(ScopedModelSerializer):
    class Meta:
        model = HealthCheck
        fields = ["id", "student", "hospital", "level", "date", "fit_for_work", "notes"]
        extra_kwargs = {"date": {"validators": [sensible_date]}}


class HealthCheckViewSet(ScopedModelViewSet):
    base_queryset = HealthCheck.objects.select_related("student")
    serializer_class = HealthCheckSerializer
    write_roles = (Role.COORDINATOR,)
    filterset_fields = ["student", "level"]
    ordering_fields = ["date"]


class InsurancePolicySerializer(ScopedModelSerializer):
    class Meta:
        model = InsurancePolicy
        fields = [
            "id",
            "placement",
            "kind",
            "insurer",
            "policy_number",
            "contact_email",
            "start_date",
            "end_date",
            "premium_paid_by",
        ]
        extra_kwargs = {
            "start_date": {"validators": [sensible_date]},
            "end_date": {"validators": [sensible_date]},
        }


class InsurancePolicyViewSet(ScopedModelViewSet):
    base_queryset = InsurancePolicy.objects.select_related("placement")
    serializer_class = InsurancePolicySerializer
    write_roles = (Role.COORDINATOR, Role.HR)
    filterset_fields = ["placement", "kind"]
    ordering_fields = ["start_date", "end_date"]


routes = [
    ("pilots", PilotProjectViewSet),
    ("placements", PlacementViewSet),
    ("placement-stages", PlacementStageViewSet),
    ("health-checks", HealthCheckViewSet),
    ("insurance-policies", InsurancePolicyViewSet),
]
