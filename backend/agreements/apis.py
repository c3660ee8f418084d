"""Agreements API: one view per operation; reads through scoped selectors, writes through services."""

from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Role
from backend.accounts.scoping import scope_queryset
from backend.api.mixins import RoleWritePermission
from backend.api.pagination import DefaultPagination
from backend.api.schema import page_parameters, paginated
from backend.core.errors import ApplicationError, NotFound
from backend.placements.models import PilotProject, Placement
from backend.schools.models import Cohort, School

from . import selectors, services
from .models import Agreement, AgreementKind, TemplateVersion


class _Api(APIView):
    permission_classes = [RoleWritePermission]
    write_roles: tuple[str, ...] = (Role.COORDINATOR,)

    def get_write_roles(self) -> tuple[str, ...]:
        return self.write_roles


def _visible(user: Any, model: Any, pk: Any, what: str) -> Any:
    obj = scope_queryset(user, model.objects.all()).filter(pk=pk).first()
    if obj is None:
        raise NotFound(what)
    return obj


class RevisionOutSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    template_version = serializers.IntegerField(source="template_version_id")
    docx_sha256 = serializers.CharField()
    pdf_sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()


class AgreementOutSerializer(serializers.ModelSerializer):
    student = serializers.CharField(source="placement.student.name")
    revisions = RevisionOutSerializer(many=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "number",
            "placement",
            "student",
            "kind",
            "status",
            "replaces",
            "void_reason",
            "revisions",
            "created_at",
            "updated_at",
        ]


class AgreementListApi(_Api):
    @extend_schema(
        operation_id="v1_agreements_list",
        responses=paginated(AgreementOutSerializer),
        parameters=[*page_parameters(), OpenApiParameter("placement", int, description="one placement's")],
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.agreement_list(user=request.user).prefetch_related("revisions")
        placement = request.query_params.get("placement")
        if placement:
            if not placement.isdigit():
                raise serializers.ValidationError({"placement": ["a placement id"]})
            queryset = queryset.filter(placement_id=int(placement))
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(AgreementOutSerializer(page, many=True).data)


class AgreementDetailApi(_Api):
    @extend_schema(responses=AgreementOutSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(AgreementOutSerializer(selectors.agreement_get(user=request.user, pk=pk)).data)


class AgreementGenerateInSerializer(serializers.Serializer):
    placement = serializers.IntegerField()


class AgreementGenerateApi(_Api):
    @extend_schema(request=AgreementGenerateInSerializer, responses={201: AgreementOutSerializer})
    def post(self, request: Request) -> Response:
        data = AgreementGenerateInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        placement = _visible(request.user, Placement, data.validated_data["placement"], "placement")
        agreement = services.agreement_generate(actor=request.user, placement=placement)
        return Response(AgreementOutSerializer(agreement).data, status=status.HTTP_201_CREATED)


class _ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class AgreementVoidApi(_Api):
    @extend_schema(request=_ReasonSerializer, responses=AgreementOutSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = _ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = selectors.agreement_get(user=request.user, pk=pk)
        agreement = services.agreement_void(actor=request.user, agreement=agreement, **data.validated_data)
        return Response(AgreementOutSerializer(agreement).data)


class AgreementReplaceApi(_Api):
    @extend_schema(request=_ReasonSerializer, responses={201: AgreementOutSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = _ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = selectors.agreement_get(user=request.user, pk=pk)
        new = services.agreement_replace(actor=request.user, agreement=agreement, **data.validated_data)
        return Response(AgreementOutSerializer(new).data, status=status.HTTP_201_CREATED)


_REVISION = OpenApiParameter("revision", int, description="revision number; the newest when left out")


class AgreementFileApi(_Api):
    """The agreement's PDF or docx, for everyone who may see the placement; 404 for anyone else."""

    field = "pdf"
    content_type = "application/pdf"

    @extend_schema(parameters=[_REVISION], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> FileResponse:
        number = request.query_params.get("revision")
        revision = selectors.agreement_revision_get(
            user=request.user, agreement_pk=pk, number=int(number) if number and number.isdigit() else None
        )
        file = getattr(revision, self.field)
        name = f"{revision.agreement.number}-r{revision.number}.{self.field}"
        return FileResponse(
            file.open("rb"), as_attachment=True, filename=name, content_type=self.content_type
        )


class AgreementPdfApi(AgreementFileApi):
    field = "pdf"
    content_type = "application/pdf"


class AgreementDocxApi(AgreementFileApi):
    field = "docx"
    content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- batches ----------------------------------------------------------------------------------------------


class BatchFailureSerializer(serializers.Serializer):
    placement = serializers.IntegerField()
    student = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class BatchProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pilot = serializers.IntegerField(allow_null=True)
    cohort = serializers.IntegerField(allow_null=True)
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="items not finished: queued or being generated")
    running = serializers.IntegerField(help_text="items a worker is generating now")
    finished = serializers.BooleanField()
    failures = BatchFailureSerializer(many=True)


def _progress(batch: Any) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "pilot": batch.pilot_id,
        "cohort": batch.cohort_id,
        **selectors.agreement_batch_progress(batch=batch),
    }


class AgreementBatchInSerializer(serializers.Serializer):
    pilot = serializers.IntegerField(required=False)
    cohort = serializers.IntegerField(required=False)


class AgreementBatchCreateApi(_Api):
    @extend_schema(
        request=AgreementBatchInSerializer,
        responses={202: BatchProgressSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="A retry with the same key (same user) returns the first request's batch.",
            )
        ],
    )
    def post(self, request: Request) -> Response:
        """Accepted: the batch and its items are committed and queued; the worker generates them (also when the
        task queue was down at this moment: the sweep sends them once it is back)."""
        data = AgreementBatchInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pilot = cohort = None
        if "pilot" in data.validated_data:
            pilot = _visible(request.user, PilotProject, data.validated_data["pilot"], "pilot project")
        if "cohort" in data.validated_data:
            cohort = _visible(request.user, Cohort, data.validated_data["cohort"], "cohort")
        batch = services.agreement_batch_create(
            actor=request.user,
            pilot=pilot,
            cohort=cohort,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
        return Response(_progress(batch), status=status.HTTP_202_ACCEPTED)


class AgreementBatchDetailApi(_Api):
    @extend_schema(responses=BatchProgressSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_progress(selectors.agreement_batch_get(user=request.user, pk=pk)))


class AgreementBatchRerunApi(_Api):
    @extend_schema(request=None, responses=BatchProgressSerializer)
    def post(self, request: Request, pk: int) -> Response:
        batch = selectors.agreement_batch_get(user=request.user, pk=pk)
        return Response(_progress(services.agreement_batch_rerun(actor=request.user, batch=batch)))


class AgreementBatchZipApi(_Api):
    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> FileResponse:
        batch = selectors.agreement_batch_get(user=request.user, pk=pk)
        return FileResponse(
            selectors.agreement_batch_zip(batch=batch),
            as_attachment=True,
            filename=f"agreements-batch-{batch.pk}.zip",
            content_type="application/zip",
        )


# --- templates --------------------------------------------------------------------------------------------


class TemplateVersionOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = TemplateVersion
        fields = ["id", "kind", "school", "number", "sha256", "uploaded_by", "note", "created_at"]


class TemplateUploadInSerializer(serializers.Serializer):
    # Schools upload their own three- and four-party agreements; the supplementary agreements (补充协议,
    # backend/changes) use the shipped templates.
    kind = serializers.ChoiceField(
        choices=[(k.value, k.label) for k in (AgreementKind.THREE_PARTY, AgreementKind.FOUR_PARTY)]
    )
    file = serializers.FileField()
    note = serializers.CharField(max_length=200, required=False, default="")
    school = serializers.IntegerField(
        required=False, help_text="admin only; coordinators upload for their school"
    )


class TemplateVersionListApi(_Api):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=TemplateVersionOutSerializer(many=True))
    def get(self, request: Request) -> Response:
        queryset = selectors.template_version_list(user=request.user)
        kind = request.query_params.get("kind")
        if kind:
            queryset = queryset.filter(kind=kind)
        return Response(TemplateVersionOutSerializer(queryset, many=True).data)

    @extend_schema(request=TemplateUploadInSerializer, responses={201: TemplateVersionOutSerializer})
    def post(self, request: Request) -> Response:
        data = TemplateUploadInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user: Any = request.user
        if user.role == Role.COORDINATOR:
            school = user.school
        elif "school" in data.validated_data:
            school = _visible(user, School, data.validated_data["school"], "school")
        else:
            school = None  # an administrator replaces the shipped default
        if user.role == Role.COORDINATOR and school is None:
            raise ApplicationError("NO_SCHOOL", "账户未关联学校。", "Your account has no school.")
        version = services.template_version_upload(
            actor=request.user,
            kind=data.validated_data["kind"],
            school=school,
            data=data.validated_data["file"].read(),
            note=data.validated_data["note"],
        )
        return Response(TemplateVersionOutSerializer(version).data, status=status.HTTP_201_CREATED)


class TemplateVersionFileApi(_Api):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> FileResponse:
        version = selectors.template_version_get(user=request.user, pk=pk)
        return FileResponse(
            version.file.open("rb"),
            as_attachment=True,
            filename=f"{version.kind}-v{version.number}.docx",
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
