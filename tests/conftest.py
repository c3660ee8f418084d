"""Shared fixtures: API clients per role, and a real Celery worker process against Redis."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from tests.factories.accounts import (
    BureauFactory,
    CoordinatorFactory,
    HrFactory,
    UserFactory,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def platform_sealing_certificate(tmp_path_factory: Any) -> Any:
    """A throw-away platform certificate for the whole run (never var/ or a committed key), also handed to the
    worker processes the tests start through the environment."""
    from contracts.sealing import create_dev_certificate

    cert = create_dev_certificate(tmp_path_factory.mktemp("platform-seal"), passphrase="test-session")
    os.environ["XUETU_SEALING_PKCS12"] = str(cert.pkcs12_path)
    os.environ["XUETU_SEALING_PASSPHRASE"] = "test-session"
    settings.XUETU_SEALING_PKCS12 = str(cert.pkcs12_path)
    settings.XUETU_SEALING_PASSPHRASE = "test-session"
    return cert


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache: request throttles (per address, per minute) and memoised reads never
    carry over from the tests before it."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def api_client_for() -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def admin_user(db: Any) -> Any:
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def coordinator(db: Any) -> Any:
    return CoordinatorFactory()


@pytest.fixture
def hr(db: Any) -> Any:
    return HrFactory()


@pytest.fixture
def bureau(db: Any) -> Any:
    return BureauFactory()


class WorkerProcess:
    """A `celery worker` subprocess using the test database and the test Redis database."""

    def __init__(
        self,
        queues: str = "default,documents",
        concurrency: int = 2,
        extra_env: dict | None = None,
        pool: str = "prefork",
    ):
        self.queues = queues
        self.concurrency = concurrency
        self.pool = pool
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="backend.config.settings.test",
            XUETU_DB_NAME=connection.settings_dict["NAME"],
            XUETU_MEDIA_ROOT=str(settings.MEDIA_ROOT),
            XUETU_TEST_REDIS_URL=settings.CELERY_BROKER_URL,
            PYTHONPATH=str(REPO),
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 60) -> "WorkerProcess":
        self.output = []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "worker",
                "worker",
                "-Q",
                self.queues,
                "-c",
                str(self.concurrency),
                "--pool",
                self.pool,
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=REPO,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        ready = threading.Event()

        def pump() -> None:
            assert self.process and self.process.stdout
            for line in self.process.stdout:
                self.output.append(line)
                if " ready." in line:
                    ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(timeout):
            self.stop()
            raise RuntimeError("celery worker did not start:\n" + "".join(self.output[-50:]))
        return self

    def stop(self, timeout: float = 20) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()

    def kill(self) -> None:
        """A crash: SIGKILL to the worker and its pool children, no chance to finish or acknowledge."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 9)
            self.process.wait()

    @property
    def log(self) -> str:
        return "".join(self.output)


def purge_test_broker() -> None:
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


@pytest.fixture
def celery_worker(transactional_db: Any) -> Iterator[WorkerProcess]:
    """A real worker process. Tests using it see committed data only (transactional_db)."""
    yield from running_worker(WorkerProcess())


@pytest.fixture
def documents_worker(transactional_db: Any) -> Iterator[WorkerProcess]:
    """A real worker as docker-compose.yml runs worker-documents: queue "documents", the threads pool with three
    threads sharing two warm LibreOffice. Tests using it see committed data only (transactional_db)."""
    yield from running_worker(
        WorkerProcess(
            queues="documents",
            concurrency=3,
            pool="threads",
            extra_env={"XUETU_CONVERTER_WARM": "1", "XUETU_CONVERTER_POOL_SIZE": "2"},
        )
    )


def running_worker(worker: WorkerProcess) -> Iterator[WorkerProcess]:
    """Start the worker on an empty test broker; stop it and empty the broker again afterwards."""
    purge_test_broker()
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        purge_test_broker()


def wait_for(condition: Callable[[], Any], timeout: float = 60, interval: float = 0.2) -> Any:
    """Poll until `condition()` is truthy; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
