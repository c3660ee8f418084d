"""Queueing work for the worker, by the task's stable name, after the surrounding transaction commits.

Imports flow one way (worker -> backend -> contracts): no backend module imports `worker`. A service that needs
background work calls `enqueue_on_commit("documents.signing.seal", envelope.pk)`; the message is sent through a
producer-only Celery app configured from the same Django settings as the worker's app (broker, routes, serializer),
so `documents.*` still lands on the documents queue. Outside a transaction the message is sent at once.
(The pattern of Zulip's `queue_event_on_commit`.)
"""

from __future__ import annotations

import functools
from typing import Any

from celery import Celery
from django.db import transaction


@functools.cache
def producer() -> Celery:
    """The Celery app the backend sends with: configured from settings, no tasks registered."""
    app = Celery("xuetu", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    return app


def enqueue(task_name: str, *args: Any, **options: Any) -> None:
    """Send one task message now, by name (positional JSON arguments only)."""
    producer().send_task(task_name, args=list(args), **options)


def enqueue_on_commit(task_name: str, *args: Any, **options: Any) -> None:
    """Send one task message once the current transaction commits (never for work that was rolled back).

    Robust: a broker that is down is logged, never raised into a request whose work is already committed; the
    row's own state (a queued batch item or match run, a completed envelope) is the record that a sweep re-sends."""

    def send() -> (
        None
    ):  # a function, not a partial: Django logs a robust callback's failure by its __qualname__
        enqueue(task_name, *args, **options)

    send.__qualname__ = f"enqueue_on_commit({task_name!r})"
    transaction.on_commit(send, robust=True)
