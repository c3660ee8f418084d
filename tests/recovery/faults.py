"""Fault injection for the recovery tests: storage that cannot be written, a broker that is not there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
from django.conf import settings
from django.core.files.storage import FileSystemStorage

from backend.core.queue import producer

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


class UnwritableStorage(FileSystemStorage):
    """Media storage whose disk refuses writes (as a read-only or full volume does); reads still work."""

    def _save(self, name: str, content: Any) -> str:
        raise PermissionError(13, "Permission denied (injected)", name)


def unwritable_storages() -> dict[str, Any]:
    return {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.recovery.faults.UnwritableStorage"},
    }


@contextmanager
def broker_down(django_settings: Any) -> Iterator[None]:
    """The backend's producer pointed at a broker that refuses connections, then back."""
    real = django_settings.CELERY_BROKER_URL
    django_settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
    producer.cache_clear()
    try:
        yield
    finally:
        django_settings.CELERY_BROKER_URL = real
        producer.cache_clear()


def queued_messages(queue: str) -> int:
    """How many task messages wait in a queue of the test Redis database (kombu keeps a queue as a list)."""
    return int(redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(queue))
