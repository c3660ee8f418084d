from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role
from backend.api.mixins import ScopedModelSerializer, ScopedModelViewSet

from . import services
from .models import Assessment, AssessmentRule, AssessmentScore, Party, PlacementRating


class AssessmentRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentRule
        fields = [
            "id",
            "name",
            "valid_from",
            "required_parties",
            "pass_mark",
            "method",
            "weights",
            "include_optional_parties",
        ]


class AssessmentRuleViewSet(ScopedModelViewSet):
    base_queryset = AssessmentRule.objects.all()
    serializer_class = AssessmentRuleSerializer
    write_roles = ()  # admins only (can_write always admits them)
    http_method_names = ["get", "post", "head", "options"]


class AssessmentScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentScore
        fields = ["id", "party", "assessor_name", "score", "comments", "signed_off_at"]


class AssessmentSerializer(ScopedModelSerializer):
    scores = AssessmentScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "placement",
            "rule",
            "status",
            "final_score",
            "decided_at",
            "revoked_at",
            "revoke_reason",
            "scores",
            "created_at",
        ]
        read_only_fields = ["rule", "status", "final_score", "decided_at", "revoked_at", "revoke_reason"]


class ScoreInputSerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=Party.choices)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    assessor_name = serializers.CharField(max_length=100)
    comments = serializers.CharField(required=False, allow_blank=True, default="")


class RevokeInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AssessmentViewSet(ScopedModelViewSet):
    """Open an assessment (coordinator), record each party's signed score, revoke a passed one with a reason."""

    base_queryset = Assessment.objects.select_related("placement", "rule").prefetch_related("scores")
    serializer_class = AssessmentSerializer
    write_roles = (Role.COORDINATOR,)
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["placement", "status"]
    ordering_fields = ["created_at", "decided_at"]

    def get_write_roles(self) -> tuple[str, ...]:
        if self.action == "scores":
            return (Role.COORDINATOR, Role.HR, Role.MENTOR)
        if self.action == "revoke":
            return (Role.COORDINATOR, Role.BUREAU)
        return self.write_roles

    def create_object(self, data: dict[str, Any]) -> Assessment:
        return services.assessment_open(placement=data["placement"], actor=self.request.user)

    @extend_schema(request=ScoreInputSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def scores(self, request: Request, pk: str | None = None) -> Response:
        assessment = self.get_object()
        payload = ScoreInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.assessment_score_record(assessment=assessment, actor=request.user, **payload.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=assessment.pk)).data, status=status.HTTP_200_OK
        )

    @extend_schema(request=RevokeInputSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        assessment = self.get_object()
        payload = RevokeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.assessment_revoke(
            assessment=assessment, reason=payload.validated_data["reason"], actor=request.user
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=assessment.pk)).data)


class PlacementRatingSerializer(ScopedModelSerializer):
    class Meta:
        model = PlacementRating
        fields = ["id", "placement", "rating", "comment", "created_at"]


class PlacementRatingViewSet(ScopedModelViewSet):
    base_queryset = PlacementRating.objects.select_related("placement")
    serializer_class = PlacementRatingSerializer
    write_roles = (Role.STUDENT,)
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["placement"]

    def create_object(self, data: dict[str, Any]) -> PlacementRating:
        return services.placement_rating_create(actor=self.request.user, **data)


routes = [
    ("assessment-rules", AssessmentRuleViewSet),
    ("assessments", AssessmentViewSet),
    ("placement-ratings", PlacementRatingViewSet),
]
