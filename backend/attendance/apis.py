"""Attendance API: clock in/out with a work site's code, the mentor's countersignature, the apprentice's answer to
a correction, work sites (never their secret) and the supervising teacher's assignments."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role, User
from backend.accounts.scoping import scope_queryset
from backend.api.mixins import RoleWritePermission
from backend.core.clock import local_today
from backend.core.errors import ApplicationError
from backend.placements.models import Placement

from . import record, selectors, services
from .models import (
    LeaveKind,
    LeaveRequest,
    MakeUpRequest,
    PunchKind,
    TeacherAssignment,
    WorkPeriod,
    WorkSite,
)

DEVICE_HEADER = "HTTP_X_DEVICE_TOKEN"


class WorkSiteSerializer(serializers.ModelSerializer):
    posts = serializers.SerializerMethodField()

    class Meta:
        model = WorkSite
        fields = ["id", "company", "name", "address", "active", "posts"]  # never the secret

    def get_posts(self, site: WorkSite) -> list[int]:
        return [link.post_id for link in site.post_links.all()]


class WorkSiteViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WorkSiteSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.work_site_list(user=self.request.user)


class ClockSerializer(serializers.Serializer):
    site = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=PunchKind.choices)
    code = serializers.CharField(max_length=12)
    idempotency_key = serializers.CharField(max_length=64)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    accuracy_m = serializers.FloatField(required=False, allow_null=True, min_value=0)


class PeriodSerializer(serializers.ModelSerializer):
    clock_in_at = serializers.DateTimeField(source="clock_in.at", read_only=True)
    clock_out_at = serializers.DateTimeField(source="clock_out.at", read_only=True, allow_null=True)

    class Meta:
        model = WorkPeriod
        fields = [
            "id",
            "placement",
            "site",
            "day",
            "status",
            "clock_in_at",
            "clock_out_at",
            "attested_start",
            "attested_end",
            "attested_by",
            "attested_at",
            "corrected",
            "correction_reason",
            "student_response",
            "dispute_note",
            "shift",
        ]
        read_only_fields = fields


class ClockResultSerializer(serializers.Serializer):
    repeated = serializers.BooleanField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    period = PeriodSerializer()
    violations = serializers.ListField(child=serializers.IntegerField())


class ClockViewSet(viewsets.GenericViewSet):
    """POST /api/v1/attendance/clock/: the apprentice clocks in or out with the code shown at the work site.
    The bound device is named by the X-Device-Token header (or the portal's device cookie)."""

    serializer_class = ClockSerializer

    @extend_schema(
        request=ClockSerializer, responses={201: ClockResultSerializer, 200: ClockResultSerializer}
    )
    def create(self, request: Request) -> Response:
        payload = ClockSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        token = request.META.get(DEVICE_HEADER) or request.COOKIES.get(services.DEVICE_COOKIE, "")
        result = services.attendance_clock(
            actor=request.user,
            site_id=d["site"],  # unknown to this apprentice (no placement there): ATT_NO_PLACEMENT
            kind=d["kind"],
            code=d["code"],
            idempotency_key=d["idempotency_key"],
            device_token=token,
            latitude=d.get("latitude"),
            longitude=d.get("longitude"),
            accuracy_m=d.get("accuracy_m"),
        )
        body = ClockResultSerializer(
            {
                "repeated": result.repeated,
                "kind": result.punch.kind,
                "at": result.punch.at,
                "period": result.period,
                "violations": list(result.violations),
            }
        ).data
        return Response(body, status=status.HTTP_200_OK if result.repeated else status.HTTP_201_CREATED)


class CorrectSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    reason = serializers.CharField(max_length=500)


class RespondSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class AttestAllSerializer(serializers.Serializer):
    day = serializers.DateField(required=False)


class PeriodViewSet(viewsets.ReadOnlyModelViewSet):
    """Clock-in/out pairs of the placements the user sees; the mentor attests or corrects, the apprentice answers."""

    serializer_class = PeriodSerializer
    permission_classes = [RoleWritePermission]
    filterset_fields = ["placement", "day", "status"]

    def get_write_roles(self) -> tuple[str, ...]:
        return (Role.STUDENT,) if self.action == "respond" else (Role.MENTOR,)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.period_list(user=self.request.user)

    @extend_schema(request=None, responses=PeriodSerializer)
    @action(detail=True, methods=["post"])
    def attest(self, request: Request, pk: str | None = None) -> Response:
        period = services.period_attest(actor=request.user, period=self.get_object())
        return Response(PeriodSerializer(period).data)

    @extend_schema(request=CorrectSerializer, responses=PeriodSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str | None = None) -> Response:
        payload = CorrectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        period = services.period_correct(
            actor=request.user, period=self.get_object(), **payload.validated_data
        )
        return Response(PeriodSerializer(period).data)

    @extend_schema(request=RespondSerializer, responses=PeriodSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: str | None = None) -> Response:
        payload = RespondSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        period = services.period_respond(
            actor=request.user, period=self.get_object(), **payload.validated_data
        )
        return Response(PeriodSerializer(period).data)

    @extend_schema(request=AttestAllSerializer, responses=PeriodSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="attest-all")
    def attest_all(self, request: Request) -> Response:
        payload = AttestAllSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        day = payload.validated_data.get("day") or local_today()
        periods = services.periods_attest_all(actor=request.user, day=day)
        return Response(PeriodSerializer(periods, many=True).data)


class AssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TeacherAssignment
        fields = ["id", "placement", "teacher", "assigned_by", "created_at"]
        read_only_fields = fields


class AssignSerializer(serializers.Serializer):
    placements = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=2000)
    teacher = serializers.IntegerField()


class TeacherAssignmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The coordinator assigns a teacher of the school to one or many placements (all or nothing)."""

    serializer_class = AssignmentSerializer
    permission_classes = [RoleWritePermission]
    write_roles = (Role.COORDINATOR,)

    def get_write_roles(self) -> tuple[str, ...]:
        return self.write_roles

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.assignment_list(user=self.request.user)

    @extend_schema(request=AssignSerializer, responses=AssignmentSerializer(many=True))
    def create(self, request: Request) -> Response:
        payload = AssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d: dict[str, Any] = payload.validated_data
        placements = list(scope_queryset(request.user, Placement.objects.filter(pk__in=d["placements"])))
        missing = sorted(set(d["placements"]) - {p.pk for p in placements})
        teacher = User.objects.filter(pk=d["teacher"], role=Role.TEACHER).first()
        if missing or teacher is None:
            raise ApplicationError(
                "NOT_FOUND",
                "未找到学徒岗位安排或指导教师",
                "placement or teacher not found",
                details={"placements": missing, "teacher": None if teacher else d["teacher"]},
                status=404,
            )
        rows = services.teachers_assign(actor=request.user, placements=placements, teacher=teacher)
        return Response(AssignmentSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


# -- make-ups (补卡) and leave (请假) -----------------------------------------------------------------


class MakeUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = MakeUpRequest
        fields = [
            "id",
            "placement",
            "student",
            "kind",
            "day",
            "at",
            "end_at",
            "period",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "refusal_reason",
            "created_at",
        ]
        read_only_fields = fields


class MakeUpCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PunchKind.choices)
    at = serializers.DateTimeField()
    end_at = serializers.DateTimeField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=1000)


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class MakeUpViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """补卡: the apprentice asks (POST), the mentor approves or refuses; everyone else of the placement reads."""

    serializer_class = MakeUpSerializer
    permission_classes = [RoleWritePermission]
    filterset_fields = ["placement", "status"]

    def get_write_roles(self) -> tuple[str, ...]:
        return (Role.STUDENT,) if self.action == "create" else (Role.MENTOR,)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.makeup_list(user=self.request.user)

    @extend_schema(request=MakeUpCreateSerializer, responses={201: MakeUpSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = MakeUpCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        req = services.makeup_request(actor=request.user, **payload.validated_data)
        return Response(MakeUpSerializer(req).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=MakeUpSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        req = services.makeup_approve(actor=request.user, request=self.get_object())
        return Response(MakeUpSerializer(req).data)

    @extend_schema(request=RefuseSerializer, responses=MakeUpSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        payload = RefuseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        req = services.makeup_refuse(actor=request.user, request=self.get_object(), **payload.validated_data)
        return Response(MakeUpSerializer(req).data)


class LeaveSerializer(serializers.ModelSerializer):
    has_attachment = serializers.SerializerMethodField()

    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "placement",
            "student",
            "kind",
            "start_date",
            "end_date",
            "hours",
            "reason",
            "has_attachment",
            "status",
            "mentor_decision",
            "mentor_at",
            "teacher_decision",
            "teacher_at",
            "refusal_reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_has_attachment(self, leave: LeaveRequest) -> bool:
        return bool(leave.attachment)


class LeaveCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LeaveKind.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    reason = serializers.CharField(max_length=1000)
    attachment = serializers.FileField(required=False, help_text="optional: PDF, PNG or JPG, at most 5 MB")


class LeaveDecideSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class LeaveViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """请假: the apprentice asks (POST, multipart for the attachment); the mentor and the supervising teacher both
    approve, either refuses with a reason. The attachment downloads for those who see the request only."""

    serializer_class = LeaveSerializer
    permission_classes = [RoleWritePermission]
    filterset_fields = ["placement", "status"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_write_roles(self) -> tuple[str, ...]:
        return (Role.STUDENT,) if self.action == "create" else (Role.MENTOR, Role.TEACHER)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.leave_list(user=self.request.user)

    @extend_schema(request=LeaveCreateSerializer, responses={201: LeaveSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = LeaveCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        leave = services.leave_request(actor=request.user, **payload.validated_data)
        return Response(LeaveSerializer(leave).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LeaveDecideSerializer, responses=LeaveSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        leave = services.leave_decide(actor=request.user, leave=self.get_object(), approve=True)
        return Response(LeaveSerializer(leave).data)

    @extend_schema(request=RefuseSerializer, responses=LeaveSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        payload = RefuseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        leave = services.leave_decide(
            actor=request.user,
            leave=self.get_object(),
            approve=False,
            reason=payload.validated_data["reason"],
        )
        return Response(LeaveSerializer(leave).data)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def attachment(self, request: Request, pk: str | None = None) -> FileResponse:
        leave = self.get_object()
        if not leave.attachment:
            raise ApplicationError("NOT_FOUND", "没有附件", "no attachment", status=404)
        name = leave.attachment.name.rsplit("/", 1)[-1]
        return FileResponse(leave.attachment.open("rb"), as_attachment=True, filename=name)


# -- the sealed attendance record ----------------------------------------------------------------


class RecordSerializer(serializers.Serializer):
    placement = serializers.IntegerField(source="pk")
    id = serializers.IntegerField(source="pk")
    student = serializers.CharField(source="student.name")
    pdf = serializers.SerializerMethodField()

    def get_pdf(self, placement: Placement) -> str:
        return f"/api/v1/attendance/records/{placement.pk}/pdf/"


class RecordViewSet(viewsets.ReadOnlyModelViewSet):
    """GET /api/v1/attendance/records/<placement>/pdf/: the placement's attested attendance as a PDF sealed with the
    platform certificate (verifiable at /verify), for the apprentice, the school and the company of it only."""

    serializer_class = RecordSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.record_placements(user=self.request.user)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str | None = None) -> FileResponse:
        sealed = record.attendance_record_seal(actor=request.user, placement=self.get_object())
        return FileResponse(
            sealed.pdf.open("rb"),
            as_attachment=True,
            filename=f"attendance-ATT-{sealed.placement_id}.pdf",
            content_type="application/pdf",
        )


routes = [
    ("attendance/records", RecordViewSet),
    ("attendance/makeups", MakeUpViewSet),
    ("attendance/leave", LeaveViewSet),
    ("attendance/clock", ClockViewSet),
    ("attendance/periods", PeriodViewSet),
    ("work-sites", WorkSiteViewSet),
    ("teacher-assignments", TeacherAssignmentViewSet),
]
