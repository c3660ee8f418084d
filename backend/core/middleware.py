"""While the database is down, the portal answers a 503 page and the API a 503 in its error shape (never a bare
500 or a traceback); both say it is temporary, in Chinese and English."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import ApplicationError

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)

PAGE = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>服务暂不可用 Service unavailable</title></head>
<body style="font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">
<h1>服务暂不可用</h1><p>{zh}</p>
<p lang="en">Service unavailable. {en}</p></body></html>"""


def database_unavailable() -> ApplicationError:
    return ApplicationError(
        "DATABASE_UNAVAILABLE",
        "数据库暂时无法访问，请稍后重试。",
        "The database cannot be reached at the moment; try again shortly.",
        status=503,
    )


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.error("database unavailable on %s: %s", request.path, exception)
        error = database_unavailable()
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"error": error.as_dict()}, status=503)
        else:
            response = HttpResponse(
                PAGE.format(zh=error.message, en=error.message_en), status=503, content_type="text/html"
            )
        response["Retry-After"] = "30"
        return response
