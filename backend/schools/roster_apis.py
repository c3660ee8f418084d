from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Role, User
from backend.accounts.scoping import scope_queryset
from backend.api.mixins import RoleWritePermission
from backend.core.errors import ApplicationError

from .models import School
from .roster import RosterPreview, roster_import, roster_preview


class RosterUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    school = serializers.IntegerField(
        required=False, help_text="admin only; coordinators import for their school"
    )


class RosterErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()
    message_en = serializers.CharField()


class RosterPreviewSerializer(serializers.Serializer):
    file_name = serializers.CharField()
    sha256 = serializers.CharField()
    total_rows = serializers.IntegerField()
    new = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = RosterErrorSerializer(many=True)  # type: ignore[assignment]  # output schema only, never validated


class RosterResultSerializer(serializers.Serializer):
    file_name = serializers.CharField()
    sha256 = serializers.CharField()
    total_rows = serializers.IntegerField()
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()


def preview_as_dict(preview: RosterPreview) -> dict[str, Any]:
    return {
        "file_name": preview.file_name,
        "sha256": preview.sha256,
        "total_rows": preview.total_rows,
        "new": len(preview.new_rows),
        "unchanged": len(preview.unchanged_rows),
        "errors": [e.as_dict() for e in preview.errors],
    }


class _RosterApi(APIView):
    permission_classes = [RoleWritePermission]
    parser_classes = [MultiPartParser, FormParser]
    write_roles = (Role.COORDINATOR,)

    def get_write_roles(self) -> tuple[str, ...]:
        return self.write_roles

    def _input(self, request: Request) -> tuple[School, str, bytes]:
        payload = RosterUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        user = cast(User, request.user)
        school_id = user.school_id if user.role == Role.COORDINATOR else payload.validated_data.get("school")
        school = scope_queryset(user, School.objects.all()).filter(pk=school_id or 0).first()
        if school is None:
            raise ApplicationError(
                "SCHOOL_REQUIRED", "请指定学校", "name the school to import into", status=400
            )
        return school, upload.name, upload.read()


class RosterPreviewApi(_RosterApi):
    @extend_schema(request={"multipart/form-data": RosterUploadSerializer}, responses=RosterPreviewSerializer)
    def post(self, request: Request) -> Response:
        school, name, content = self._input(request)
        return Response(preview_as_dict(roster_preview(school=school, file_name=name, content=content)))


class RosterImportApi(_RosterApi):
    @extend_schema(
        request={"multipart/form-data": RosterUploadSerializer}, responses={201: RosterResultSerializer}
    )
    def post(self, request: Request) -> Response:
        school, name, content = self._input(request)
        result = roster_import(actor=request.user, school=school, file_name=name, content=content)
        return Response(
            {
                "file_name": result.file_name,
                "sha256": result.sha256,
                "total_rows": result.total_rows,
                "created": result.created,
                "unchanged": result.unchanged,
            },
            status=201,
        )
