"""The beat schedule: one entry per periodic job. Exactly one beat process runs it."""

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {
    "core-heartbeat": {"task": "core.heartbeat", "schedule": crontab(minute="*/5")},
}
