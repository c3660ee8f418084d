"""/healthz tells the truth, and the portal and the API answer 503 (page / error shape) while the database is down."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.utils import timezone

from backend.core.models import Heartbeat
from tests.factories.accounts import CoordinatorFactory
from tests.recovery.faults import broker_down, unwritable_storages

pytestmark = pytest.mark.django_db(transaction=True)


def _documents_heartbeat(age: datetime.timedelta = datetime.timedelta(seconds=5)) -> None:
    beat = Heartbeat.objects.create(marker="documents", hostname="worker-documents")
    Heartbeat.objects.filter(pk=beat.pk).update(at=timezone.now() - age)


@contextmanager
def database_down() -> Iterator[None]:
    """This process's connection pointed at a port where no PostgreSQL listens, then back."""
    real = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real


def _down(response) -> list[str]:
    assert response.status_code == 503, response.content
    error = response.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE" and error["message"] and error["message_en"]
    return error["details"]["down"]


def test_healthz_is_200_when_everything_answers(client):
    _documents_heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == dict.fromkeys(
        ["database", "broker", "storage", "documents_worker"], "ok"
    )


def test_healthz_names_the_broker_when_it_is_down(client, settings):
    _documents_heartbeat()
    with broker_down(settings):
        response = client.get("/healthz")
    assert _down(response) == ["broker"]
    assert "任务队列" in response.json()["error"]["message"]


def test_healthz_names_storage_that_refuses_writes(client, settings):
    _documents_heartbeat()
    settings.STORAGES = unwritable_storages()
    assert _down(client.get("/healthz")) == ["storage"]


def test_healthz_names_a_documents_worker_silent_for_over_a_minute(client):
    _documents_heartbeat(age=datetime.timedelta(seconds=90))
    assert _down(client.get("/healthz")) == ["documents_worker"]


def test_healthz_names_the_database_when_it_is_down(client):
    with database_down():
        response = client.get("/healthz")
    assert _down(response) == ["database", "documents_worker"]
    assert response.json()["error"]["details"]["checks"]["documents_worker"] == "unknown"


def test_the_api_and_the_portal_answer_503_while_the_database_is_down(client, api_client_for):
    # given a coordinator logged in to the portal and the API
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)
    api = api_client_for(coordinator)

    # when the database goes away
    with database_down():
        page = client.get("/school/agreements/")
        answer = api.get("/api/v1/agreements/")

    # then the portal shows a 503 page and the API its error shape, never a bare 500
    assert page.status_code == 503 and "服务暂不可用" in page.content.decode()
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
    assert page["Retry-After"] == "30"
