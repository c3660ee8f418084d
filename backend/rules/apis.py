"""Rules API: shifts (one, a week grid, a CSV/XLSX upload), attestation, exceptions, violations, gate dry-run."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role
from backend.accounts.scoping import scope_queryset
from backend.api.mixins import RoleWritePermission, ScopedModelSerializer
from backend.api.validation import YearQuerySerializer
from backend.placements.models import Placement

from . import gates as g
from . import selectors
from .models import (
    Holiday,
    PolicyVersion,
    ResolutionProposal,
    Shift,
    ShiftException,
    ShiftKind,
    Violation,
)
from .services import shifts as shift_services
from .services import violations as violation_services

SHIFT_WRITERS = (Role.HR, Role.MENTOR)


class ShiftSerializer(ScopedModelSerializer):
    class Meta:
        model = Shift
        fields = [
            "id",
            "placement",
            "kind",
            "start_at",
            "end_at",
            "attestation",
            "dispute_note",
            "attested_at",
            "created_at",
        ]
        read_only_fields = ["attestation", "dispute_note", "attested_at", "created_at"]


class WeekGridSerializer(ScopedModelSerializer):
    placement = serializers.PrimaryKeyRelatedField(queryset=Placement.objects.all())
    kind = serializers.ChoiceField(choices=ShiftKind.choices, default=ShiftKind.PLANNED)
    monday = serializers.DateField()
    days = serializers.DictField(
        child=serializers.ListField(
            child=serializers.TimeField(), min_length=2, max_length=2, allow_empty=True
        ),
        help_text='ISO weekday 1-7 -> ["08:00", "16:00"]; an end at or before the start ends the next day',
    )

    class Meta:
        model = Shift
        fields = ["placement", "kind", "monday", "days"]

    def validate_days(self, value: dict[str, Any]) -> dict[int, Any]:
        """Keys are ISO weekdays "1".."7" (anything else is a 400, never a 500)."""
        unknown = [k for k in value if not (str(k).isdigit() and 1 <= int(k) <= 7)]
        if unknown:
            raise serializers.ValidationError(
                f"days are ISO weekdays 1-7; not: {', '.join(map(str, unknown))}"
            )
        return {int(k): v for k, v in value.items()}


class ShiftImportSerializer(ScopedModelSerializer):
    placement = serializers.PrimaryKeyRelatedField(queryset=Placement.objects.all())
    kind = serializers.ChoiceField(choices=ShiftKind.choices, default=ShiftKind.PLANNED)
    file = serializers.FileField(
        help_text="CSV or XLSX with the header 日期,开始,结束 or date,start,end; actual hours: no future dates"
    )

    class Meta:
        model = Shift
        fields = ["placement", "kind", "file"]


class AttestSerializer(serializers.Serializer):
    confirmed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ShiftViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """HR and mentors enter shifts; the student attests actual hours; everyone who sees the placement reads."""

    serializer_class = ShiftSerializer
    permission_classes = [RoleWritePermission]
    filterset_fields = ["placement", "kind", "attestation"]
    ordering_fields = ["start_at"]

    def get_write_roles(self) -> tuple[str, ...]:
        return (Role.STUDENT,) if self.action == "attest" else SHIFT_WRITERS

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return scope_queryset(self.request.user, Shift.objects.select_related("placement"))

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        d = serializer.validated_data
        serializer.instance = shift_services.shift_create(
            actor=self.request.user,
            placement=d["placement"],
            kind=d["kind"],
            start_at=d["start_at"],
            end_at=d["end_at"],
        )

    @extend_schema(request=WeekGridSerializer, responses=ShiftSerializer(many=True))
    @action(detail=False, methods=["post"])
    def week(self, request: Request) -> Response:
        payload = WeekGridSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        days = {k: (tuple(v) if v else None) for k, v in d["days"].items()}
        spans = shift_services.week_grid_spans(monday=d["monday"], days=days)
        shifts = shift_services.shifts_enter(
            actor=request.user, placement=d["placement"], kind=d["kind"], spans=spans
        )
        return Response(ShiftSerializer(shifts, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": ShiftImportSerializer}, responses=ShiftSerializer(many=True)
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request: Request) -> Response:
        payload = ShiftImportSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        upload = d["file"]
        shifts = shift_services.shifts_import(
            actor=request.user,
            placement=d["placement"],
            kind=d["kind"],
            name=upload.name,
            content=upload.read(),
        )
        return Response(ShiftSerializer(shifts, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AttestSerializer, responses=ShiftSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def attest(self, request: Request, pk: str | None = None) -> Response:
        shift = self.get_object()
        payload = AttestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        shift = shift_services.shift_attest(actor=request.user, shift=shift, **payload.validated_data)
        return Response(ShiftSerializer(shift).data)


class ShiftExceptionSerializer(ScopedModelSerializer):
    class Meta:
        model = ShiftException
        fields = [
            "id",
            "placement",
            "rule_code",
            "period_start",
            "period_end",
            "authority_reference",
            "approver",
            "note",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class ShiftExceptionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = ShiftExceptionSerializer
    permission_classes = [RoleWritePermission]
    filterset_fields = ["placement", "rule_code"]

    def get_write_roles(self) -> tuple[str, ...]:
        return shift_services.EXCEPTION_RECORDERS  # the school, never the company

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return scope_queryset(self.request.user, ShiftException.objects.select_related("placement"))

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = shift_services.shift_exception_create(
            actor=self.request.user, **serializer.validated_data
        )


class ResolutionProposalSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResolutionProposal
        fields = [
            "id",
            "violation",
            "text",
            "evidence",
            "proposed_by",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]
        read_only_fields = fields


class ViolationSerializer(serializers.ModelSerializer):
    proposals = ResolutionProposalSerializer(many=True, read_only=True)
    message = serializers.SerializerMethodField()
    message_en = serializers.SerializerMethodField()

    class Meta:
        model = Violation
        fields = [
            "id",
            "placement",
            "rule_code",
            "period_start",
            "period_end",
            "figures",
            "severity",
            "status",
            "first_seen",
            "last_seen",
            "policy_code",
            "resolved_at",
            "resolved_by",
            "note",
            "proposals",
            "message",
            "message_en",
        ]
        read_only_fields = fields

    def get_message(self, obj: Violation) -> str:
        return selectors.violation_messages(obj)[0]

    def get_message_en(self, obj: Violation) -> str:
        return selectors.violation_messages(obj)[1]


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ProposeSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, help_text="how it was resolved, and what proves it")
    evidence = serializers.FileField(required=False, help_text="optional: PDF, PNG or JPG, at most 10 MB")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ViolationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ViolationSerializer
    permission_classes = [RoleWritePermission]
    filterset_fields = ["placement", "rule_code", "status", "severity"]
    ordering_fields = ["last_seen", "period_start"]

    def get_write_roles(self) -> tuple[str, ...]:
        # resolve: the school or the bureau; the service refuses the company (VIOLATION_SCHOOL_ONLY, 403) after
        # the scoped lookup, so another tenant's violation stays a 404. propose: the company (the service says).
        if self.action == "resolve":
            return (Role.COORDINATOR, Role.BUREAU, Role.HR)
        return (Role.COORDINATOR, Role.HR)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return scope_queryset(self.request.user, Violation.objects.prefetch_related("proposals"))

    @extend_schema(request=NoteSerializer, responses=ViolationSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        v = violation_services.violation_acknowledge(
            actor=request.user, violation=self.get_object(), **payload.validated_data
        )
        return Response(ViolationSerializer(v).data)

    @extend_schema(request=NoteSerializer, responses=ViolationSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        v = violation_services.violation_resolve(
            actor=request.user, violation=self.get_object(), **payload.validated_data
        )
        return Response(ViolationSerializer(v).data)

    @extend_schema(
        request={"multipart/form-data": ProposeSerializer, "application/json": ProposeSerializer},
        responses={201: ResolutionProposalSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def propose(self, request: Request, pk: str | None = None) -> Response:
        """The company proposes a resolution with its evidence; the school accepts or rejects it."""
        violation = self.get_object()
        payload = ProposeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        proposal = violation_services.violation_resolution_propose(
            actor=request.user,
            violation=violation,
            text=payload.validated_data["text"],
            evidence=payload.validated_data.get("evidence"),
        )
        return Response(ResolutionProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


class ResolutionProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The company's proposed resolutions; the school (or the bureau) accepts or rejects each."""

    serializer_class = ResolutionProposalSerializer
    permission_classes = [RoleWritePermission]
    filterset_fields = ["violation", "status"]

    def get_write_roles(self) -> tuple[str, ...]:
        return (Role.COORDINATOR, Role.BUREAU)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return scope_queryset(self.request.user, ResolutionProposal.objects.all())

    @extend_schema(request=None, responses=ResolutionProposalSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        proposal = violation_services.resolution_proposal_accept(
            actor=request.user, proposal=self.get_object()
        )
        return Response(ResolutionProposalSerializer(proposal).data)

    @extend_schema(request=RejectSerializer, responses=ResolutionProposalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        payload = RejectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        proposal = violation_services.resolution_proposal_reject(
            actor=request.user, proposal=self.get_object(), reason=payload.validated_data["reason"]
        )
        return Response(ResolutionProposalSerializer(proposal).data)


class GateResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.CharField()
    figures = serializers.DictField()
    message = serializers.CharField()
    message_en = serializers.CharField()


class GateReportSerializer(serializers.Serializer):
    """The dry-run answer (documentation only). "errors" is declared in get_fields: as a class attribute it
    would hide Serializer.errors."""

    policy = serializers.CharField()
    stage = serializers.CharField()
    passed = serializers.BooleanField()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["errors"] = GateResultSerializer(many=True)
        fields["warnings"] = GateResultSerializer(many=True)
        return fields


class GateCheckViewSet(viewsets.GenericViewSet):
    """Dry run: the gates for a placement, as they would be judged on propose or activate. Changes nothing."""

    serializer_class = GateReportSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return scope_queryset(
            self.request.user, Placement.objects.select_related("student__cohort", "post__company", "mentor")
        )

    @extend_schema(
        parameters=[OpenApiParameter("stage", str, enum=[g.PROPOSE, g.ACTIVATE], default=g.ACTIVATE)],
        responses=GateReportSerializer,
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        placement = self.get_object()
        stage = request.query_params.get("stage", g.ACTIVATE)
        if stage not in (g.PROPOSE, g.ACTIVATE):
            stage = g.ACTIVATE
        return Response(selectors.placement_gates_check(placement=placement, stage=stage).as_dict())


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["date", "kind", "name", "name_zh", "source"]


@extend_schema(parameters=[YearQuerySerializer])
class HolidayViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = HolidaySerializer
    filterset_fields = ["kind"]

    def get_queryset(self) -> Any:
        qs = scope_queryset(self.request.user, Holiday.objects.all())
        query = YearQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year")
        return qs.filter(date__year=year) if year is not None else qs


class PolicyVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyVersion
        fields = ["id", "code", "pilot", "valid_from", "figures", "source"]


class PolicyVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PolicyVersionSerializer

    def get_queryset(self) -> Any:
        return scope_queryset(self.request.user, PolicyVersion.objects.all())


routes = [
    ("shifts", ShiftViewSet),
    ("shift-exceptions", ShiftExceptionViewSet),
    ("violations", ViolationViewSet),
    ("resolution-proposals", ResolutionProposalViewSet),
    ("gate-checks", GateCheckViewSet),
    ("holidays", HolidayViewSet),
    ("policy-versions", PolicyVersionViewSet),
]
