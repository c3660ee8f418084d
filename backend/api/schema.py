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
