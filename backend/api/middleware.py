"""The edge of /api/v1/: what never reaches a DRF view still answers in the one error shape.

- a JSON body nested deeper than XUETU_API_MAX_JSON_DEPTH is refused with 400 before any parser recurses into it;
- a body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413;
- an unknown path (Django's HTML 404) answers 404 in the shape;
- an exception that escapes a view answers 500 with a reference id, logged with its traceback.
"""

import re
from collections.abc import Callable
from itertools import accumulate

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from .exception_handler import error_body, payload_too_large_body, server_error_body

API_PREFIX = "/api/v1/"
DEFAULT_MAX_JSON_DEPTH = 64

# A JSON string (escapes included); what is left once strings are removed holds every bracket that nests.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest, without parsing (and so without recursing)."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(accumulate(1 if b in (0x5B, 0x7B) else -1 for b in brackets))


def max_json_depth() -> int:
    return int(getattr(settings, "XUETU_API_MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH))


def _is_json(request: HttpRequest) -> bool:
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


class ApiEdgeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        refused = self.refuse_body(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if response.status_code == 404 and response.get("Content-Type", "").startswith("text/html"):
            return JsonResponse(error_body("NOT_FOUND", "未找到", "not found"), status=404)
        return response

    def refuse_body(self, request: HttpRequest) -> HttpResponse | None:
        if not _is_json(request):
            return (
                None  # multipart and form bodies: Django's parser enforces the size limit (see the handler)
            )
        try:
            body = request.body  # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE here
        except RequestDataTooBig:
            return JsonResponse(payload_too_large_body(), status=413)
        limit = max_json_depth()
        if json_depth(body) > limit:
            return JsonResponse(
                error_body(
                    "JSON_TOO_DEEP",
                    f"JSON 嵌套层级过深（最多 {limit} 层）",
                    f"JSON nested too deep ({limit} levels at most)",
                    {"max_depth": limit},
                ),
                status=400,
            )
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """An exception outside DRF's handling (a plain Django view under /api/v1/, a middleware below this one)."""
        if not request.path_info.startswith(API_PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(payload_too_large_body(), status=413)
        return JsonResponse(server_error_body(exception, request), status=500)
