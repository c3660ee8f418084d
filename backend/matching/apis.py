"""Matching API: preferences, company scores and requirements, runs, proposals and their review."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role
from backend.accounts.scoping import scope_queryset
from backend.api.mixins import ScopedModelSerializer, ScopedModelViewSet
from backend.api.validation import sensible_date
from backend.companies.models import Mentor, Post
from backend.core.clock import local_today
from backend.core.errors import ApplicationError
from backend.placements.models import PilotProject
from backend.schools.models import Student

from . import services
from .models import ApplicantScore, MatchRun, PostRequirement, Proposal, StudentPreference, StudentScore


class StudentPreferenceSerializer(ScopedModelSerializer):
    class Meta:
        model = StudentPreference
        fields = ["id", "student", "pilot", "post", "rank"]
        read_only_fields = fields


class PreferencesReplaceSerializer(serializers.Serializer):
    student = serializers.PrimaryKeyRelatedField(queryset=Student.objects.all())
    pilot = serializers.PrimaryKeyRelatedField(queryset=PilotProject.objects.all())
    posts = serializers.PrimaryKeyRelatedField(queryset=Post.objects.all(), many=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        fields["student"].queryset = scope_queryset(user, Student.objects.all())  # type: ignore[attr-defined]
        pilots = scope_queryset(user, PilotProject.objects.all())
        if user is not None and getattr(user, "role", None) == Role.STUDENT and user.student_id:
            # a student applies through the pilots of their own school and program
            student = user.student
            pilots = PilotProject.objects.filter(
                school_id=student.school_id, program_id=student.cohort.program_id
            )
        fields["pilot"].queryset = pilots  # type: ignore[attr-defined]
        return fields


class StudentPreferenceViewSet(ScopedModelViewSet):
    """志愿: read the ranked lists; write a whole list at once with `replace`."""

    base_queryset = StudentPreference.objects.select_related("student", "post")
    serializer_class = StudentPreferenceSerializer
    write_roles = (Role.COORDINATOR, Role.STUDENT)
    filterset_fields = ["student", "pilot", "post"]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise ApplicationError(
            "USE_REPLACE", "请使用 replace 提交完整志愿列表", "post the whole list to replace/"
        )

    @extend_schema(request=PreferencesReplaceSerializer, responses=StudentPreferenceSerializer(many=True))
    @action(detail=False, methods=["post"])
    def replace(self, request: Request) -> Response:
        payload = PreferencesReplaceSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        student = payload.validated_data["student"]
        user: Any = request.user
        if user.role == Role.STUDENT and student.pk != user.student_id:
            raise ApplicationError("NOT_FOUND", "未找到", "student not found", status=404)
        rows = services.preferences_replace(
            actor=request.user,
            student=student,
            pilot=payload.validated_data["pilot"],
            posts=payload.validated_data["posts"],
            today=local_today(),
        )
        return Response(StudentPreferenceSerializer(rows, many=True).data, status=status.HTTP_200_OK)


class ApplicantScoreSerializer(ScopedModelSerializer):
    class Meta:
        model = ApplicantScore
        fields = ["id", "company", "post", "student", "score"]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None and getattr(user, "role", None) == Role.HR:
            # HR scores the students who applied to the company's posts (not otherwise visible to it)
            fields["student"].queryset = Student.objects.filter(  # type: ignore[attr-defined]
                match_preferences__post__company_id=user.company_id
            ).distinct()
        return fields


class ApplicantScoreViewSet(ScopedModelViewSet):
    base_queryset = ApplicantScore.objects.all()
    serializer_class = ApplicantScoreSerializer
    write_roles = (Role.HR,)
    filterset_fields = ["company", "post", "student"]

    def create_object(self, data: dict[str, Any]) -> ApplicantScore:
        return services.applicant_score_create(actor=self.request.user, data=data)

    def update_object(self, instance: ApplicantScore, data: dict[str, Any]) -> ApplicantScore:
        return services.applicant_score_update(actor=self.request.user, score=instance, data=data)


class PostRequirementSerializer(ScopedModelSerializer):
    class Meta:
        model = PostRequirement
        fields = ["id", "post", "programs", "minimum_score"]


class PostRequirementViewSet(ScopedModelViewSet):
    base_queryset = PostRequirement.objects.prefetch_related("programs")
    serializer_class = PostRequirementSerializer
    write_roles = (Role.HR,)
    filterset_fields = ["post"]


class StudentScoreSerializer(ScopedModelSerializer):
    class Meta:
        model = StudentScore
        fields = ["id", "student", "score"]


class StudentScoreViewSet(ScopedModelViewSet):
    base_queryset = StudentScore.objects.all()
    serializer_class = StudentScoreSerializer
    write_roles = (Role.COORDINATOR,)
    filterset_fields = ["student"]


class MatchRunSerializer(ScopedModelSerializer):
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**62)

    class Meta:
        model = MatchRun
        fields = [
            "id",
            "school",
            "pilot",
            "seed",
            "start_date",
            "end_date",
            "status",
            "phase",
            "progress_done",
            "progress_total",
            "statistics",
            "audit",
            "error",
            "started_at",
            "finished_at",
            "created_at",
        ]
        extra_kwargs = {
            "start_date": {"validators": [sensible_date]},
            "end_date": {"validators": [sensible_date]},
        }
        read_only_fields = [
            "school",
            "status",
            "phase",
            "progress_done",
            "progress_total",
            "statistics",
            "audit",
            "error",
            "started_at",
            "finished_at",
            "created_at",
        ]


class AcceptSerializer(serializers.Serializer):
    proposals = serializers.ListField(child=serializers.IntegerField(), required=False)


class AuditSerializer(serializers.Serializer):
    set = serializers.CharField()
    ok = serializers.BooleanField()
    blocking_pairs = serializers.ListField(child=serializers.DictField())
    over_capacity = serializers.ListField(child=serializers.DictField())
    ineligible = serializers.ListField(child=serializers.DictField())
    unranked = serializers.ListField(child=serializers.DictField())


class ProposalSerializer(ScopedModelSerializer):
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id",
            "run",
            "student",
            "pilot",
            "post",
            "mentor",
            "choice",
            "status",
            "manual",
            "explanation",
            "placement",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField())
    def get_explanation(self, obj: Proposal) -> dict[str, Any]:
        return services.explanation_render(obj.explanation)


class MatchRunViewSet(ScopedModelViewSet):
    """匹配批次: create queues a run on the worker; poll it for progress and statistics."""

    base_queryset = MatchRun.objects.all()
    serializer_class = MatchRunSerializer
    write_roles = (Role.COORDINATOR,)
    filterset_fields = ["pilot", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data: dict[str, Any]) -> MatchRun:
        return services.match_run_create(
            actor=self.request.user,
            school_id=services.coordinator_school(self.request.user),
            pilot=data.get("pilot"),
            start_date=data["start_date"],
            end_date=data["end_date"],
            seed=data.get("seed"),
        )

    @extend_schema(
        parameters=[OpenApiParameter("set", str, enum=["current", "accepted"], required=False)],
        responses=AuditSerializer,
    )
    @action(detail=True, methods=["get"])
    def audit(self, request: Request, pk: str | None = None) -> Response:
        """Blocking pairs, caps exceeded and ineligible pairs in the run's proposals as they stand now."""
        run = self.get_object()
        accepted_only = request.query_params.get("set", "current") == "accepted"
        return Response(services.run_audit(run=run, accepted_only=accepted_only))

    @extend_schema(request=AcceptSerializer, responses=ProposalSerializer(many=True))
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept the given proposals (default: all): each becomes a placement in status "proposed"."""
        run = self.get_object()
        payload = AcceptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        accepted = services.proposals_accept(
            actor=request.user, run=run, proposal_ids=payload.validated_data.get("proposals")
        )
        return Response(ProposalSerializer(accepted, many=True).data)


class ProposalAdjustSerializer(serializers.Serializer):
    post = serializers.PrimaryKeyRelatedField(queryset=Post.objects.all(), allow_null=True)
    mentor = serializers.PrimaryKeyRelatedField(
        queryset=Mentor.objects.all(), required=False, allow_null=True
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        fields["post"].queryset = scope_queryset(user, Post.objects.all())  # type: ignore[attr-defined]
        fields["mentor"].queryset = scope_queryset(user, Mentor.objects.all())  # type: ignore[attr-defined]
        return fields


class ProposalViewSet(ScopedModelViewSet):
    base_queryset = Proposal.objects.all()
    serializer_class = ProposalSerializer
    write_roles = (Role.COORDINATOR,)
    filterset_fields = ["run", "status", "post", "student", "manual"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().order_by("run", "student")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise ApplicationError(
            "NO_CREATE", "匹配结果由匹配批次生成", "proposals come from match runs", status=405
        )

    @extend_schema(request=ProposalAdjustSerializer, responses=ProposalSerializer)
    @action(detail=True, methods=["post"])
    def adjust(self, request: Request, pk: str | None = None) -> Response:
        """Move the student to another post by hand; gates and caps are checked."""
        proposal = self.get_object()
        payload = ProposalAdjustSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        proposal = services.proposal_adjust(
            actor=request.user,
            proposal=proposal,
            post=payload.validated_data["post"],
            mentor=payload.validated_data.get("mentor"),
        )
        return Response(ProposalSerializer(proposal).data)


routes = [
    ("match-preferences", StudentPreferenceViewSet),
    ("applicant-scores", ApplicantScoreViewSet),
    ("post-requirements", PostRequirementViewSet),
    ("student-scores", StudentScoreViewSet),
    ("match-runs", MatchRunViewSet),
    ("match-proposals", ProposalViewSet),
]
