"""Tests: always PostgreSQL and Redis on 127.0.0.1, never SQLite or the embedded broker.

Several test runs may share one server: XUETU_TEST_DB names the test database, XUETU_REDIS_DB picks the Redis index.
"""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

_redis_db = os.environ.get("XUETU_REDIS_DB", "0")
REDIS_URL = os.environ.get("XUETU_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{_redis_db}")
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60}
# Results are still ignored by default (CELERY_TASK_IGNORE_RESULT); a test that sends with ignore_result=False
# waits on the task's result key in the test Redis database instead of polling or sleeping.
CELERY_RESULT_BACKEND = REDIS_URL

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("XUETU_DB_NAME", "xuetu"),
        "USER": os.environ.get("PGUSER", "postgres"),
        "HOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PORT": os.environ.get("PGPORT", "5432"),
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
        "TEST": {"NAME": os.environ.get("XUETU_TEST_DB", "test_xuetu")},
    }
}
MEDIA_ROOT = Path(os.environ.get("XUETU_MEDIA_ROOT", tempfile.mkdtemp(prefix="xuetu-media-")))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="xuetu-static-"))
# A worker started by a fault test may be handed a storage that fails (tests/recovery/faults.py).
if os.environ.get("XUETU_TEST_STORAGE_BACKEND"):
    STORAGES = {
        "default": {"BACKEND": os.environ["XUETU_TEST_STORAGE_BACKEND"]},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
