"""Every API error has one shape: {"error": {"code", "message", "message_en", "details"}}."""

import logging
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from backend.core.errors import ApplicationError
from backend.core.middleware import database_unavailable

logger = logging.getLogger("backend.api")

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


def payload_too_large_body() -> dict[str, Any]:
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_body(
        "PAYLOAD_TOO_LARGE",
        "请求内容过大",
        "request body too large",
        {"max_bytes": limit} if limit is not None else {},
    )


def server_error_body(exc: BaseException, request: HttpRequest | None) -> dict[str, Any]:
    """Log an unexpected exception with its traceback under a fresh reference; the answer carries only that."""
    reference = uuid.uuid4().hex[:16]
    logger.error(
        "unexpected error %s on %s %s",
        reference,
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return error_body(
        "SERVER_ERROR",
        f"服务器内部错误，请稍后再试；如需协助请提供编号 {reference}",
        f"internal server error; quote reference {reference} when asking for help",
        {"reference": reference},
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"error": exc.as_dict()}, status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        return Response(payload_too_large_body(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, TooManyFieldsSent):
        return Response(
            error_body("TOO_MANY_FIELDS", "表单字段过多", "too many form fields"),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, SuspiciousOperation):
        return Response(
            error_body("BAD_REQUEST", "请求无效", "bad request"), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(
        exc, RecursionError
    ):  # a body the depth limit let through still nests too deep for a serializer
        return Response(
            error_body("JSON_TOO_DEEP", "JSON 嵌套层级过深", "JSON nested too deep"),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, OperationalError | InterfaceError):  # the database is down or its connection was cut
        set_rollback()
        unavailable = database_unavailable()
        return Response({"error": unavailable.as_dict()}, status=unavailable.status)
    response = exception_handler(exc, context)
    if response is None:
        set_rollback()
        request = context.get("request")
        return Response(
            server_error_body(exc, getattr(request, "_request", request)),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
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
