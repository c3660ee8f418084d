"""Every failure under /api/v1/ answers {"error": {"code", "message", "message_en", "details"}}: unexpected
exceptions (500 with a logged reference), unknown paths (404), JSON nested too deep (400), a body too large (413)."""

import json
import logging

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backend.api.middleware import json_depth
from backend.placements.models import Placement
from tests.factories.accounts import CoordinatorFactory, UserFactory

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "message_en", "details"}
    assert error["code"] == code
    assert error["message"] and error["message_en"]
    return error


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- 500 -------------------------------------------------------------------------------------------------------------


@pytest.mark.urls("tests.api.boom_urls")
@pytest.mark.parametrize("url", ["/api/v1/test-boom/", "/api/v1/test-boom-plain/"])
@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_exception_answers_500_with_a_logged_reference_and_no_traceback(
    url, debug, settings, caplog
):
    # given development or production settings
    settings.DEBUG = debug
    client = APIClient(raise_request_exception=False)
    # when a view fails with an exception nobody expected
    with caplog.at_level(logging.ERROR, logger="backend.api"):
        response = client.get(url)
    # then the answer is the shape with a reference, never the exception or a traceback
    error = assert_error_shape(response, 500, "SERVER_ERROR")
    reference = error["details"]["reference"]
    assert reference in error["message"] and reference in error["message_en"]
    body = response.content.decode()
    assert "secret-internal-detail" not in body and "Traceback" not in body
    # and the log holds the reference with the traceback
    records = [r for r in caplog.records if reference in r.getMessage()]
    assert len(records) == 1 and records[0].exc_info is not None
    assert "secret-internal-detail" in str(records[0].exc_info[1])


def test_each_500_gets_its_own_reference(settings):
    settings.ROOT_URLCONF = "tests.api.boom_urls"
    client = APIClient()
    first = client.get("/api/v1/test-boom/").json()["error"]["details"]["reference"]
    second = client.get("/api/v1/test-boom/").json()["error"]["details"]["reference"]
    assert first != second


# --- 404 -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("authenticated", [False, True])
def test_an_unknown_api_path_answers_404_in_the_shape(debug, authenticated, settings, api_client_for):
    settings.DEBUG = debug
    client = api_client_for(CoordinatorFactory()) if authenticated else APIClient()
    for url in ("/api/v1/no-such-thing/", "/api/v1/placements/999999/nothing-here/", "/api/v1/x/y/z"):
        assert_error_shape(client.get(url), 404, "NOT_FOUND")


def test_an_unknown_object_still_answers_404_in_the_shape(api_client_for):
    assert_error_shape(
        api_client_for(CoordinatorFactory()).get("/api/v1/placements/999999/"), 404, "NOT_FOUND"
    )


def test_a_portal_404_stays_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


# --- JSON depth ------------------------------------------------------------------------------------------------------


def test_json_depth_counts_nesting_and_ignores_brackets_inside_strings():
    assert json_depth(b"") == 0
    assert json_depth(b'{"a": 1}') == 1
    assert json_depth(b'{"a": [[1], {"b": []}]}') == 4
    assert json_depth(json.dumps({"name": '[[[[{{{{\\"]]'}).encode()) == 1
    assert json_depth(nested(1000).encode()) == 1000


@pytest.mark.parametrize("url", ["/api/v1/auth/token/", "/api/v1/verify/"])
def test_deep_json_on_anonymous_endpoints_answers_400_and_writes_nothing(url):
    # given an account that could log in
    UserFactory(username="deep")
    # when the body nests 1,000 deep (a RecursionError in the parser before)
    body = '{"username": "deep", "password": "pass-1234", "sha256": ' + nested(1000) + "}"
    response = APIClient().post(url, body, content_type="application/json")
    # then
    error = assert_error_shape(response, 400, "JSON_TOO_DEEP")
    assert error["details"] == {"max_depth": 64}
    assert Token.objects.count() == 0


def test_deep_json_on_a_create_endpoint_answers_400_and_writes_nothing(api_client_for):
    coordinator = CoordinatorFactory()
    before = Placement.objects.count()
    body = '{"stages": [' + nested(200) + "]}"
    response = api_client_for(coordinator).post("/api/v1/placements/", body, content_type="application/json")
    assert_error_shape(response, 400, "JSON_TOO_DEEP")
    assert Placement.objects.count() == before


def test_json_within_the_depth_limit_reaches_the_view():
    # 64 levels are allowed: the view's own validation answers
    UserFactory(username="shallow")
    body = '{"username": "shallow", "password": ' + nested(63) + "}"
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert_error_shape(response, 400, "VALIDATION")
    assert Token.objects.count() == 0


# --- body size -------------------------------------------------------------------------------------------------------


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000)
def test_a_json_body_over_the_limit_answers_413_and_writes_nothing(api_client_for):
    coordinator = CoordinatorFactory()
    before = Placement.objects.count()
    body = json.dumps({"notes": "x" * 3_000})
    response = api_client_for(coordinator).post("/api/v1/placements/", body, content_type="application/json")
    error = assert_error_shape(response, 413, "PAYLOAD_TOO_LARGE")
    assert error["details"] == {"max_bytes": 2_000}
    assert Placement.objects.count() == before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000)
def test_an_anonymous_json_body_over_the_limit_answers_413():
    UserFactory(username="big")
    body = json.dumps({"username": "big", "password": "pass-1234", "pad": "x" * 3_000})
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert_error_shape(response, 413, "PAYLOAD_TOO_LARGE")
    assert Token.objects.count() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000)
def test_a_multipart_field_over_the_limit_answers_413():
    response = APIClient().post("/api/v1/verify/", {"sha256": "a" * 3_000}, format="multipart")
    assert_error_shape(response, 413, "PAYLOAD_TOO_LARGE")
