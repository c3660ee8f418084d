"""The nightly subsidy sweep's runs: recorded per local day, re-run within minutes when the worker running it died.

``subsidy.nightly_sweep`` (01:30 Asia/Shanghai) and ``subsidy.sweep_catch_up`` (every 5 minutes) both call
``subsidy_sweep_run_due``: the due day (today once 01:30 has passed, else yesterday) is swept unless its run has
finished. A session-level PostgreSQL advisory lock is held while sweeping, so two sweeps never overlap, and a
killed worker's lock is released with its connection: the next catch-up (at most 5 minutes later) runs the day
again. The sweep is idempotent (the ledger's idempotency keys), so re-running a half-done day is safe.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import F
from django.utils import timezone

from backend.core.clock import RULES_ZONE

from .models import SweepRun
from .services import subsidy_sweep

SWEEP_LOCK = 7_302_000  # pg_try_advisory_lock key: one subsidy sweep at a time, cluster-wide
SWEEP_HOUR = datetime.time(1, 30)  # the beat's nightly entry, local time


def sweep_due_day(now: datetime.datetime) -> datetime.date:
    """The latest local day whose sweep is due at ``now``: today from 01:30 on, yesterday before."""
    local = now.astimezone(RULES_ZONE)
    return local.date() if local.time() >= SWEEP_HOUR else local.date() - datetime.timedelta(days=1)


@contextmanager
def sweep_lock() -> Iterator[bool]:
    """Try the sweep's advisory lock on this connection (session level: it outlives the sweep's transactions and
    dies with the connection). Yields whether it was taken. Databases without advisory locks always get it."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK])
        taken = bool(cursor.fetchone()[0])
    try:
        yield taken
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK])


def subsidy_sweep_run(*, day: datetime.date, now: datetime.datetime | None = None) -> dict:
    """Sweep ``day`` unless its run has finished or another sweep holds the lock; record start and finish."""
    with sweep_lock() as taken:
        if not taken:
            return {"day": day.isoformat(), "outcome": "busy"}
        run, _ = SweepRun.objects.get_or_create(day=day)
        if run.finished_at is not None:
            return {"day": day.isoformat(), "outcome": "done"}
        SweepRun.objects.filter(pk=run.pk).update(started_at=timezone.now(), attempts=F("attempts") + 1)
        counts = subsidy_sweep(as_of=day, now=now)
        SweepRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), counts=counts)
        return {"day": day.isoformat(), "outcome": "swept", **counts}


def subsidy_sweep_run_due(*, now: datetime.datetime | None = None) -> dict:
    """The due day's sweep, if it has not finished (the catch-up's and the nightly entry's one body)."""
    now = now or timezone.now()
    return subsidy_sweep_run(day=sweep_due_day(now), now=now)
