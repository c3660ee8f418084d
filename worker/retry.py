"""Which failures inside a task are the infrastructure's (retried with backoff), and the code each is shown with
once the retries are used up. Application errors (a rule, missing data) are never retried: they are the answer."""

from __future__ import annotations

import os

from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

DATABASE_ERRORS = (DatabaseOperationalError, InterfaceError)
BROKER_ERRORS = (BrokerOperationalError, RedisConnectionError, RedisTimeoutError)
# OSError last: storage (a full or read-only disk, an object store that does not answer) raises it.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (*DATABASE_ERRORS, *BROKER_ERRORS, OSError)

# For autoretry_for: exponential backoff with jitter, 2 s doubling to at most 60 s, five retries (about a minute
# in all), so PostgreSQL restarting or a storage hiccup is ridden out without a person. The environment may
# shorten them (the fault tests do); read when the task modules are imported.
RETRY_OPTIONS: dict = {
    "autoretry_for": INFRASTRUCTURE_ERRORS,
    "retry_backoff": int(os.environ.get("XUETU_TASK_RETRY_BACKOFF", "2")),
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": int(os.environ.get("XUETU_TASK_MAX_RETRIES", "5")),
}


def infrastructure_error_code(exc: BaseException) -> str:
    if isinstance(exc, DATABASE_ERRORS):
        return "DATABASE_UNAVAILABLE"
    if isinstance(exc, BROKER_ERRORS):
        return "BROKER_UNAVAILABLE"
    return "STORAGE_UNAVAILABLE"
