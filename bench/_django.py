"""Run a benchmark against a throw-away PostgreSQL database (migrated), dropped afterwards."""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.test")
os.environ.setdefault("XUETU_TEST_DB", "xuetu_bench")

import django  # noqa: E402

django.setup()


@contextmanager
def bench_database() -> Iterator[None]:
    from django.db import connection

    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
