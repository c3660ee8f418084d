"""/api/v1/ for the training standard: plans (read; propose by the school, approve by each company; the third
party's results), apprentices' training records (progress; rotation move, sign-off, evaluation), sign-offs
(confirm, refuse, withdraw) and evaluations (revoke). Reads are scoped; every write is one service call."""

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role
from backend.accounts.scoping import scope_queryset
from backend.api.mixins import ScopedModelViewSet
from backend.companies.models import Post
from backend.core.clock import local_today
from backend.placements.models import PilotProject

from . import imports, records, services
from .models import (
    Competency,
    Evaluation,
    Grade,
    Party,
    PlanApproval,
    PlanStage,
    PostStandard,
    RotationStep,
    SchemeParty,
    SignOff,
    TrainingEnrolment,
    TrainingPlan,
)
from .selectors import enrolment_standard, rotation_progress


class CompetencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Competency
        fields = ["id", "code", "name", "level", "practice_hours", "assessed_by", "required"]


class PostStandardSerializer(serializers.ModelSerializer):
    competencies = CompetencySerializer(many=True, read_only=True)

    class Meta:
        model = PostStandard
        fields = ["id", "post", "name", "competencies"]


class PlanStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanStage
        fields = ["number", "name", "school_months", "company_months"]


class RotationStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = RotationStep
        fields = ["id", "order", "stage", "standard", "weeks", "hours"]


class SchemePartySerializer(serializers.ModelSerializer):
    class Meta:
        model = SchemeParty
        fields = ["party", "weight", "required"]


class PlanApprovalSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanApproval
        fields = ["company", "approver_name", "approved_at"]


class TrainingPlanSerializer(serializers.ModelSerializer):
    stages = PlanStageSerializer(many=True, read_only=True)
    post_standards = PostStandardSerializer(many=True, read_only=True)
    rotation = RotationStepSerializer(many=True, read_only=True)
    approvals = PlanApprovalSerializer(many=True, read_only=True)
    scale = serializers.CharField(source="scheme.scale", read_only=True)
    pass_points = serializers.DecimalField(
        source="scheme.pass_points", max_digits=5, decimal_places=2, read_only=True
    )
    parties = SchemePartySerializer(source="scheme.parties", many=True, read_only=True)

    class Meta:
        model = TrainingPlan
        fields = [
            "id",
            "pilot",
            "version",
            "title",
            "valid_from",
            "status",
            "summary",
            "mentor_standard",
            "approved_at",
            "stages",
            "post_standards",
            "rotation",
            "scale",
            "pass_points",
            "parties",
            "approvals",
        ]


# -- propose (nested input) ---------------------------------------------------------------------------------------


class ScopedPrimaryKey(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> models.QuerySet:
        request = self.context.get("request")
        queryset = super().get_queryset()
        assert queryset is not None
        return scope_queryset(getattr(request, "user", None), queryset)


class CompetencyInput(serializers.Serializer):
    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=200)
    level = serializers.CharField(max_length=100, required=False, default="")
    practice_hours = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=0, default=Decimal("0")
    )
    assessed_by = serializers.ChoiceField(choices=Party.choices, default=Party.MENTOR)
    # a declared field (collected by the serializer metaclass), not the Field.required attribute
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]


class PostStandardInput(serializers.Serializer):
    post = ScopedPrimaryKey(queryset=Post.objects.all())
    name = serializers.CharField(max_length=200)
    competencies = CompetencyInput(many=True)


class RotationStepInput(serializers.Serializer):
    order = serializers.IntegerField(min_value=1)
    stage = serializers.IntegerField(min_value=1)
    post = ScopedPrimaryKey(queryset=Post.objects.all())
    weeks = serializers.IntegerField(min_value=1)
    hours = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0)


class AssessmentSchemeInput(serializers.Serializer):
    scale = serializers.ChoiceField(choices=["grades", "points"], default="grades")
    pass_points = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, default=Decimal("60")
    )
    parties = SchemePartySerializer(many=True)


class TrainingPlanProposeInput(serializers.Serializer):
    pilot = ScopedPrimaryKey(queryset=PilotProject.objects.all())
    title = serializers.CharField(max_length=200)
    valid_from = serializers.DateField()
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    mentor_standard = serializers.CharField(required=False, allow_blank=True, default="")
    stages = PlanStageSerializer(many=True)
    standards = PostStandardInput(many=True)
    rotation = RotationStepInput(many=True)
    scheme = AssessmentSchemeInput()


class ThirdPartyImportInput(serializers.Serializer):
    file = serializers.FileField()


class ThirdPartyImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()


class TrainingPlanViewSet(ScopedModelViewSet):
    base_queryset = TrainingPlan.objects.select_related("scheme").prefetch_related(
        "stages", "post_standards__competencies", "rotation", "approvals", "scheme__parties"
    )
    serializer_class = TrainingPlanSerializer
    write_roles = (Role.COORDINATOR,)
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["pilot", "status"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_write_roles(self) -> tuple[str, ...]:
        if self.action == "approve":
            return (Role.HR,)
        if self.action == "third_party_results":
            return (Role.COORDINATOR, Role.HR)
        return self.write_roles

    @extend_schema(request=TrainingPlanProposeInput, responses={201: TrainingPlanSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = TrainingPlanProposeInput(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        plan = services.training_plan_propose(actor=request.user, **payload.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=plan.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=TrainingPlanSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        plan = services.training_plan_approve(plan=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data)

    @extend_schema(request=ThirdPartyImportInput, responses=ThirdPartyImportResultSerializer)
    @action(detail=True, methods=["post"], url_path="third-party-results")
    def third_party_results(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        payload = ThirdPartyImportInput(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        result = imports.third_party_import(
            pilot=plan.pilot, actor=request.user, file_name=upload.name, content=upload.read()
        )
        return Response({"created": result.created})


# -- an apprentice's training record -----------------------------------------------------------------------------


class SignOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = SignOff
        fields = [
            "id",
            "enrolment",
            "competency",
            "status",
            "mentor_name",
            "mentor_at",
            "teacher_name",
            "teacher_at",
            "refuse_reason",
            "refused_at",
            "withdraw_reason",
            "withdrawn_at",
            "evidence_text",
            "evidence_file",
        ]


class EvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evaluation
        fields = [
            "id",
            "enrolment",
            "party",
            "grade",
            "points",
            "comments",
            "evaluator_name",
            "certificate_number",
            "test_date",
            "status",
            "revoke_reason",
            "revoked_at",
        ]


class EnrolmentSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = TrainingEnrolment
        fields = ["id", "placement", "plan", "standard_reached_at", "progress"]

    def get_progress(self, obj: TrainingEnrolment) -> dict[str, Any]:
        today = local_today()
        standard, _ = enrolment_standard(obj, today=today)
        return {
            "reached": standard.reached,
            "missing_competencies": list(standard.missing_competencies),
            "reasons": list(standard.reasons),
            "rotation": [
                {
                    "order": p["order"],
                    "post": p["post"].pk,
                    "status": p["status"],
                    "planned_hours": str(p["planned_hours"]),
                    "done_hours": str(p["done_hours"]),
                    "behind": p["behind"],
                }
                for p in rotation_progress(obj, today=today)
            ],
        }


class RotationMoveInput(serializers.Serializer):
    on = serializers.DateField(required=False)


class CompetencySignInput(serializers.Serializer):
    competency = serializers.PrimaryKeyRelatedField(queryset=Competency.objects.all())
    evidence_text = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_file = serializers.FileField(required=False)


class TrainingEvaluateInput(serializers.Serializer):
    party = serializers.ChoiceField(choices=Party.choices)
    grade = serializers.ChoiceField(choices=Grade.choices, required=False, default="")
    points = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    comments = serializers.CharField(required=False, allow_blank=True, default="")
    evaluator_name = serializers.CharField(required=False, allow_blank=True, default="")


class TrainingReasonInput(serializers.Serializer):
    reason = serializers.CharField()


class TrainingCredentialSerializer(serializers.Serializer):
    credential = serializers.DictField()
    jwt = serializers.CharField()


class EnrolmentViewSet(ScopedModelViewSet):
    base_queryset = TrainingEnrolment.objects.select_related("placement", "plan__scheme")
    serializer_class = EnrolmentSerializer
    write_roles = ()
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["placement", "plan"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_write_roles(self) -> tuple[str, ...]:
        return {
            "move": (Role.COORDINATOR, Role.HR),
            "sign": (Role.MENTOR,),
            "evaluate": (Role.STUDENT, Role.MENTOR, Role.TEACHER, Role.COORDINATOR, Role.HR),
        }.get(self.action or "", ())

    @extend_schema(responses=TrainingCredentialSerializer)
    @action(detail=True, methods=["get"])
    def credential(self, request: Request, pk: str | None = None) -> Response:
        """The apprentice's record as an Open Badges 3.0 / CLR credential, signed as a VC-JWT."""
        enrolment = self.get_object()
        credential = records.record_credential(enrolment, today=local_today(), issued=timezone.now())
        return Response({"credential": credential, "jwt": records.record_sign(credential)})

    @extend_schema(request=RotationMoveInput, responses=EnrolmentSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        enrolment = self.get_object()
        payload = RotationMoveInput(data=request.data)
        payload.is_valid(raise_exception=True)
        services.rotation_move(placement=enrolment.placement, actor=request.user, **payload.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=enrolment.pk)).data)

    @extend_schema(request=CompetencySignInput, responses={201: SignOffSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        enrolment = self.get_object()
        payload = CompetencySignInput(data=request.data)
        payload.is_valid(raise_exception=True)
        sign_off = services.competency_sign(
            placement=enrolment.placement, actor=request.user, **payload.validated_data
        )
        return Response(SignOffSerializer(sign_off).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TrainingEvaluateInput, responses={201: EvaluationSerializer})
    @action(detail=True, methods=["post"])
    def evaluate(self, request: Request, pk: str | None = None) -> Response:
        enrolment = self.get_object()
        payload = TrainingEvaluateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        evaluation = services.evaluation_record(
            placement=enrolment.placement, actor=request.user, **payload.validated_data
        )
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)


class SignOffViewSet(ScopedModelViewSet):
    base_queryset = SignOff.objects.select_related("competency")
    serializer_class = SignOffSerializer
    write_roles = (Role.TEACHER, Role.COORDINATOR, Role.MENTOR)
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["enrolment", "status"]

    def get_write_roles(self) -> tuple[str, ...]:
        # the assigned teacher confirms (the coordinator where no teacher is assigned: services.is_teacher_of)
        return (Role.TEACHER, Role.COORDINATOR) if self.action == "confirm" else self.write_roles

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(status=status.HTTP_405_METHOD_NOT_ALLOWED)  # the mentor signs on the training record

    @extend_schema(request=None, responses=SignOffSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        return Response(
            self.get_serializer(
                services.sign_off_confirm(sign_off=self.get_object(), actor=request.user)
            ).data
        )

    @extend_schema(request=TrainingReasonInput, responses=SignOffSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        payload = TrainingReasonInput(data=request.data)
        payload.is_valid(raise_exception=True)
        sign_off = services.sign_off_refuse(
            sign_off=self.get_object(), actor=request.user, **payload.validated_data
        )
        return Response(self.get_serializer(sign_off).data)

    @extend_schema(request=TrainingReasonInput, responses=SignOffSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        payload = TrainingReasonInput(data=request.data)
        payload.is_valid(raise_exception=True)
        sign_off = services.sign_off_withdraw(
            sign_off=self.get_object(), actor=request.user, **payload.validated_data
        )
        return Response(self.get_serializer(sign_off).data)


class EvaluationViewSet(ScopedModelViewSet):
    base_queryset = Evaluation.objects.all()
    serializer_class = EvaluationSerializer
    write_roles = (Role.TEACHER, Role.COORDINATOR, Role.HR, Role.MENTOR, Role.STUDENT)
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["enrolment", "party", "status"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(status=status.HTTP_405_METHOD_NOT_ALLOWED)  # evaluations are recorded on the record

    @extend_schema(request=TrainingReasonInput, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        payload = TrainingReasonInput(data=request.data)
        payload.is_valid(raise_exception=True)
        evaluation = services.evaluation_revoke(
            evaluation=self.get_object(), actor=request.user, **payload.validated_data
        )
        return Response(self.get_serializer(evaluation).data)


routes = [
    ("training-plans", TrainingPlanViewSet),
    ("training-records", EnrolmentViewSet),
    ("competency-sign-offs", SignOffViewSet),
    ("training-evaluations", EvaluationViewSet),
]
