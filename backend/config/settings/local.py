"""`make run`: the zero-setup development default."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = True
ALLOWED_HOSTS = ["*"]
VAR_DIR.mkdir(parents=True, exist_ok=True)

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # The web server and the worker write at the same time: WAL and immediate transactions avoid "locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(  # noqa: F405
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
for _folder in ("broker/queue", "broker/processed", "media", "logs"):
    (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)

# Development SMS: to the log and to var/sms-outbox.jsonl, shown at /dev/sms/ (signing links and one-time codes).
XUETU_SMS_BACKEND = os.environ.get("XUETU_SMS_BACKEND", "backend.signing.sms.FileSmsBackend")
# SQLite cannot build the NULLS NOT DISTINCT constraints; PostgreSQL (tests, production) enforces them.
SILENCED_SYSTEM_CHECKS = ["models.W047"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []  # noqa: F405
