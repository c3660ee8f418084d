"""Every API error has one shape: {"error": {"code", "message", "message_en", "details"}}."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from backend.core.errors import ApplicationError

_DRF_CODES: dict[type[Exception], tuple[str, str, str]] = {
    exceptions.NotAuthenticated: ("NOT_AUTHENTICATED", "请先登录", "authentication required"),
    exceptions.AuthenticationFailed: ("AUTHENTICATION_FAILED", "身份验证失败", "authentication failed"),
    exceptions.PermissionDenied: ("PERMISSION_DENIED", "没有权限执行此操作", "you may not do this"),
    exceptions.NotFound: ("NOT_FOUND", "未找到", "not found"),
    exceptions.MethodNotAllowed: ("METHOD_NOT_ALLOWED", "不支持该请求方法", "method not allowed"),
    exceptions.ValidationError: ("VALIDATION", "数据校验未通过", "validation failed"),
    exceptions.ParseError: ("PARSE_ERROR", "请求格式错误", "malformed request"),
    exceptions.UnsupportedMediaType: ("UNSUPPORTED_MEDIA_TYPE", "不支持的内容类型", "unsupported media type"),
    exceptions.Throttled: ("THROTTLED", "请求过于频繁", "too many requests"),
}


def error_body(code: str, message: str, message_en: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "message_en": message_en, "details": details or {}}}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"error": exc.as_dict()}, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    code, message, message_en = ("ERROR", "请求失败", "request failed")
    for kind, triple in _DRF_CODES.items():
        if isinstance(exc, kind):
            code, message, message_en = triple
            break
    details = response.data if isinstance(exc, exceptions.ValidationError) else {}
    if not details and isinstance(response.data, dict) and "detail" in response.data:
        message_en = str(response.data["detail"]) if code == "ERROR" else message_en
    response.data = error_body(code, message, message_en, details)
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response.data["error"]["code"] = "NOT_AUTHENTICATED"
    return response
