"""/healthz: the truth about what this deployment needs to work, for load balancers and operators."""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from .errors import ApplicationError

logger = logging.getLogger(__name__)

# The documents worker writes a heartbeat every 30 seconds (beat entry "documents-heartbeat"); older than this,
# nobody is converting or sealing.
DOCUMENTS_HEARTBEAT_MAX_AGE = datetime.timedelta(minutes=1)
DOCUMENTS_HEARTBEAT_MARKER = "documents"

_NAMES = {
    "database": ("数据库", "the database"),
    "broker": ("任务队列", "the task queue (broker)"),
    "storage": ("文件存储", "file storage"),
    "documents_worker": ("文档处理进程", "the documents worker"),
}


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    from .queue import producer

    with producer().connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)


def _storage() -> None:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.probe", ContentFile(b"ok"))
    default_storage.delete(name)


def _documents_worker() -> None:
    from .models import Heartbeat

    last = (
        Heartbeat.objects.filter(marker=DOCUMENTS_HEARTBEAT_MARKER)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if last is None or last < timezone.now() - DOCUMENTS_HEARTBEAT_MAX_AGE:
        raise RuntimeError(f"last documents heartbeat: {last.isoformat() if last else 'never'}")


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "broker": _broker,
    "storage": _storage,
    "documents_worker": _documents_worker,
}


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every check passes; otherwise 503 in the API's error shape, naming what is down."""
    checks: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "documents_worker" and checks.get("database") != "ok":
            checks[name] = "unknown"  # its heartbeat lives in the database
            continue
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - whatever the failure, it is reported, never a 500
            logger.warning("healthz: %s is down: %s", name, exc)
            checks[name] = "down"
        else:
            checks[name] = "ok"
    down = [name for name, state in checks.items() if state != "ok"]
    if not down:
        return JsonResponse({"status": "ok", "checks": checks})
    error = ApplicationError(
        "SERVICE_UNAVAILABLE",
        "服务暂不可用：" + "、".join(_NAMES[n][0] for n in down) + "无法访问。",
        "Service unavailable: " + ", ".join(_NAMES[n][1] for n in down) + " cannot be reached.",
        details={"down": down, "checks": checks},
        status=503,
    )
    return JsonResponse({"error": error.as_dict()}, status=503)
