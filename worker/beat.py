"""The beat schedule: one entry per periodic job. Exactly one beat process runs it."""

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {
    "core-heartbeat": {"task": "core.heartbeat", "schedule": crontab(minute="*/5")},
    "signing-reminders": {"task": "signing.remind_sweep", "schedule": crontab(minute=7)},
    "signing-expiry": {"task": "signing.expire_sweep", "schedule": crontab(minute="*/15")},
    "signing-seal-retry": {"task": "signing.seal_sweep", "schedule": crontab(minute="*/10")},
    "agreements-batches-sweep": {
        "task": "documents.agreement_batches_sweep",
        "schedule": crontab(minute="*/5"),
    },
}
