"""OpenAPI pieces shared by the API: the one error shape."""

from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="stable rule or error code, e.g. VALIDATION, NOT_FOUND, LOGIN_LOCKED"
    )
    message = serializers.CharField(help_text="Chinese")
    message_en = serializers.CharField()
    details = serializers.JSONField()

    class Meta:
        ref_name = "ErrorBody"


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()

    class Meta:
        ref_name = "Error"


def paginated(
    serializer_class: type[serializers.Serializer], name: str | None = None
) -> serializers.Serializer:
    """The schema of a page of DefaultPagination, for views that paginate by hand (APIView, not a ViewSet list)."""
    from drf_spectacular.utils import inline_serializer

    base = serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(
        name or f"Paginated{base}List",
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


def page_parameters() -> list:
    """The query parameters of DefaultPagination."""
    from drf_spectacular.utils import OpenApiParameter

    return [
        OpenApiParameter("page", int, description="page number (from 1)"),
        OpenApiParameter("page_size", int, description="rows per page (at most 500)"),
    ]
