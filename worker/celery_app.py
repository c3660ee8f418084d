"""The Celery app. Tasks live in worker/tasks/<area>.py and stay thin: load by id, call one service."""

import os

from celery import Celery

from .broker import REDIS_SCHEMES, TRANSPORT

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")

app = Celery("xuetu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ["worker.tasks"]
if str(app.conf.broker_url or "").startswith(REDIS_SCHEMES):
    app.conf.broker_transport = TRANSPORT  # kombu's Redis transport, reconnecting after an early close


def _load_beat_schedule() -> None:
    from .beat import BEAT_SCHEDULE

    app.conf.beat_schedule = BEAT_SCHEDULE


_load_beat_schedule()
