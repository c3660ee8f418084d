"""/api/v1/ for the "八个事先" checklist: host visits, host approvals, pilot plan documents, consent records,
filings, safety-training sessions and out-of-province approvals. Reads are scoped (scopes.py); every write is one
service call by the pilot school's coordinator. Files are never linked from here: the portal serves them through
scoped views."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role
from backend.accounts.scoping import scope_queryset
from backend.api.mixins import RoleWritePermission, ScopedModelSerializer
from backend.core.errors import ApplicationError
from backend.placements.models import Placement

from . import selectors, services
from .models import (
    ConsentDocument,
    ConsentRecord,
    Filing,
    HostApproval,
    HostVisit,
    PilotDocument,
    ProvinceApproval,
    SafetyTraining,
)

WRITERS = (Role.COORDINATOR,)


class HostVisitSerializer(ScopedModelSerializer):
    photos = serializers.ListField(
        child=serializers.FileField(), write_only=True, required=False, default=list
    )
    photo_count = serializers.SerializerMethodField()

    class Meta:
        model = HostVisit
        fields = [
            "id",
            "pilot",
            "company",
            "visited_on",
            "visitors",
            "findings_safety",
            "findings_posts",
            "findings_lodging",
            "photos",
            "photo_count",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_photo_count(self, obj: HostVisit) -> int:
        return len(obj.photos.all())


class HostApprovalSerializer(ScopedModelSerializer):
    class Meta:
        model = HostApproval
        fields = ["id", "school", "company", "approved_on", "approver", "reference", "created_at"]
        read_only_fields = ["created_at"]
        validators: list[Any] = []  # recording again replaces the approval (the service decides)


class PilotDocumentSerializer(ScopedModelSerializer):
    upload = serializers.FileField(write_only=True)

    class Meta:
        model = PilotDocument
        fields = ["id", "pilot", "kind", "version", "title", "sha256", "upload", "created_at"]
        read_only_fields = ["version", "sha256", "created_at"]
        extra_kwargs = {"title": {"required": False}}


class ConsentRecordSerializer(ScopedModelSerializer):
    upload = serializers.FileField(write_only=True, required=False)
    has_scan = serializers.SerializerMethodField()

    class Meta:
        model = ConsentRecord
        fields = [
            "id",
            "placement",
            "student_signed_on",
            "guardian_name",
            "guardian_signed_on",
            "upload",
            "has_scan",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"guardian_name": {"required": False}}

    def get_has_scan(self, obj: ConsentRecord) -> bool:
        return bool(obj.file)


class FilingSerializer(ScopedModelSerializer):
    class Meta:
        model = Filing
        fields = ["id", "pilot", "reference", "filed_on", "authority", "placements", "created_at"]
        read_only_fields = ["created_at"]


class SafetyTrainingSerializer(ScopedModelSerializer):
    class Meta:
        model = SafetyTraining
        fields = ["id", "pilot", "held_on", "hours", "content", "trainer", "attendees", "created_at"]
        read_only_fields = ["created_at"]


class ProvinceApprovalSerializer(ScopedModelSerializer):
    class Meta:
        model = ProvinceApproval
        fields = ["id", "pilot", "department", "reference", "approved_on", "placements", "created_at"]
        read_only_fields = ["created_at"]


class _ChecklistViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    permission_classes = [RoleWritePermission]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_write_roles(self) -> tuple[str, ...]:
        return WRITERS


class HostVisitViewSet(_ChecklistViewSet):
    serializer_class = HostVisitSerializer
    filterset_fields = ["pilot", "company"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.host_visit_list(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.host_visit_create(actor=self.request.user, **serializer.validated_data)


class HostApprovalViewSet(_ChecklistViewSet):
    serializer_class = HostApprovalSerializer
    filterset_fields = ["school", "company"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.host_approval_list(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.host_approval_record(
            actor=self.request.user, **serializer.validated_data
        )


class PilotDocumentViewSet(_ChecklistViewSet):
    serializer_class = PilotDocumentSerializer
    filterset_fields = ["pilot", "kind"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.pilot_document_list(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        d = serializer.validated_data
        serializer.instance = services.pilot_document_upload(
            actor=self.request.user,
            pilot=d["pilot"],
            kind=d["kind"],
            title=d.get("title", ""),
            upload=d["upload"],
        )


class ConsentRecordViewSet(_ChecklistViewSet):
    serializer_class = ConsentRecordSerializer
    filterset_fields = ["placement"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.consent_list(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        d = serializer.validated_data
        placement = d["placement"]
        serializer.instance = services.consents_record(
            actor=self.request.user,
            pilot=placement.pilot,
            placements=[placement],
            student_signed_on=d["student_signed_on"],
            guardian_signed_on=d["guardian_signed_on"],
            guardian_name=d.get("guardian_name", ""),
            upload=d.get("upload"),
        )[0]


class ConsentDocumentSerializer(ScopedModelSerializer):
    """An informed-consent form signed online; `signers`: each party in order with its request's status."""

    signers = serializers.SerializerMethodField()

    class Meta:
        model = ConsentDocument
        fields = [
            "id",
            "placement",
            "number",
            "version",
            "status",
            "template_name",
            "template_sha256",
            "pdf_sha256",
            "signers",
            "created_at",
        ]
        read_only_fields = fields

    def get_signers(self, obj: ConsentDocument) -> list[dict[str, str]]:
        envelope = getattr(obj, "signing_envelope", None)
        if envelope is None:
            return []
        return [{"party": r.party, "status": r.status} for r in envelope.requests.all()]


class ConsentSendSerializer(serializers.Serializer):
    placements = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=500)


class ConsentDocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read by the school's coordinators, the student and the student's guardians; `send/` (coordinators) makes
    and sends the forms of the given placements of one pilot, all or none."""

    serializer_class = ConsentDocumentSerializer
    permission_classes = [RoleWritePermission]
    filterset_fields = ["placement", "status"]

    def get_write_roles(self) -> tuple[str, ...]:
        return WRITERS

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.consent_document_list(user=self.request.user).prefetch_related(
            "signing_envelope__requests"
        )

    @extend_schema(request=ConsentSendSerializer, responses={201: ConsentDocumentSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def send(self, request: Request) -> Response:
        payload = ConsentSendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ids = set(payload.validated_data["placements"])
        placements = list(
            scope_queryset(request.user, Placement.objects.filter(pk__in=ids)).select_related(
                "pilot", "student", "post__company"
            )
        )
        if len(placements) != len(ids):
            raise ApplicationError("NOT_FOUND", "未找到该学徒岗位安排", "placement not found", status=404)
        documents = services.consent_documents_send(
            actor=request.user, pilot=placements[0].pilot, placements=placements, now=timezone.now()
        )
        fresh = self.get_queryset().filter(pk__in=[d.pk for d in documents])
        return Response(self.get_serializer(fresh, many=True).data, status=status.HTTP_201_CREATED)


class FilingViewSet(_ChecklistViewSet):
    serializer_class = FilingSerializer
    filterset_fields = ["pilot"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.filing_list(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.filing_create(actor=self.request.user, **serializer.validated_data)


class SafetyTrainingViewSet(_ChecklistViewSet):
    serializer_class = SafetyTrainingSerializer
    filterset_fields = ["pilot"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.safety_training_list(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        d = dict(serializer.validated_data)
        serializer.instance = services.safety_training_create(
            actor=self.request.user, placements=d.pop("attendees"), **d
        )


class ProvinceApprovalViewSet(_ChecklistViewSet):
    serializer_class = ProvinceApprovalSerializer
    filterset_fields = ["pilot"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.province_approval_list(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.province_approval_create(
            actor=self.request.user, **serializer.validated_data
        )


routes = [
    ("host-visits", HostVisitViewSet),
    ("host-approvals", HostApprovalViewSet),
    ("pilot-documents", PilotDocumentViewSet),
    ("consents", ConsentRecordViewSet),
    ("consent-documents", ConsentDocumentViewSet),
    ("filings", FilingViewSet),
    ("safety-trainings", SafetyTrainingViewSet),
    ("province-approvals", ProvinceApprovalViewSet),
]
