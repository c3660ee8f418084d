"""Login throttling (django-axes) on the token endpoint and the portal login, and Django's password validators.

The limit (AXES_FAILURE_LIMIT, 5) counts per account and per address; past it the right password is refused
until the cool-off (15 minutes) has passed."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories.accounts import CoordinatorFactory

pytestmark = pytest.mark.django_db

RIGHT = "pass-1234"
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def token(username: str, password: str, address: str = "10.0.0.1", **extra):
    return APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
        **extra,
    )


def portal_login(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(username: str, times: int, address: str = "10.0.0.1") -> None:
    """`times` wrong passwords: each answers LOGIN_FAILED, the fifth (the limit) LOGIN_LOCKED."""
    for attempt in range(1, times + 1):
        response = token(username, "wrong-password", address)
        if attempt < 5:
            assert response.status_code == 400
            assert response.json()["error"]["code"] == "LOGIN_FAILED"
        else:
            assert_locked(response)


def assert_locked(response) -> None:
    assert response.status_code == 429, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "LOGIN_LOCKED"
    assert "锁定" in error["message"] and "locked" in error["message_en"]
    assert error["details"] == {"failure_limit": 5, "cooloff_minutes": 15}


def test_the_right_password_gives_a_token():
    user = CoordinatorFactory(username="coord")
    response = token("coord", RIGHT)
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}


def test_a_wrong_password_answers_login_failed_in_both_languages():
    CoordinatorFactory(username="coord")
    error = token("coord", "nope").json()["error"]
    assert (error["code"], error["message"], error["message_en"]) == (
        "LOGIN_FAILED",
        "用户名或密码不正确",
        "wrong user name or password",
    )


@time_machine.travel(START, tick=False)
def test_five_wrong_passwords_then_the_right_one_is_refused_on_the_token_endpoint():
    CoordinatorFactory(username="coord")
    # given five wrong passwords
    fail("coord", 5)
    # when the right one comes
    response = token("coord", RIGHT)
    # then it is refused, and no token was made
    assert_locked(response)
    assert Token.objects.count() == 0


@time_machine.travel(START, tick=False)
def test_the_lock_is_per_account_from_any_address_and_per_address_for_any_account():
    CoordinatorFactory(username="victim")
    CoordinatorFactory(username="neighbour")
    CoordinatorFactory(username="elsewhere")
    # given five wrong passwords for one account from one address
    fail("victim", 5, address="10.0.0.1")
    # then that account is locked from another address too
    assert_locked(token("victim", RIGHT, address="10.9.9.9"))
    # and that address is locked for another account
    assert_locked(token("neighbour", RIGHT, address="10.0.0.1"))
    # while another account from another address logs in
    assert token("elsewhere", RIGHT, address="10.9.9.8").status_code == 200
    assert Token.objects.count() == 1


def test_four_failures_then_a_success_start_the_count_again():
    CoordinatorFactory(username="coord")
    fail("coord", 4)
    assert token("coord", RIGHT).status_code == 200
    fail("coord", 4)
    assert token("coord", RIGHT).status_code == 200


def test_the_lock_lifts_after_the_cool_off():
    CoordinatorFactory(username="coord")
    with time_machine.travel(START, tick=False) as clock:
        fail("coord", 5)
        # a minute before the cool-off ends: still locked (and retrying does not extend it)
        clock.move_to(START + dt.timedelta(minutes=14))
        assert_locked(token("coord", RIGHT))
        # the cool-off has passed
        clock.move_to(START + dt.timedelta(minutes=15, seconds=1))
        assert token("coord", RIGHT).status_code == 200


@time_machine.travel(START, tick=False)
def test_the_portal_login_is_locked_too_with_a_clear_message(client):
    CoordinatorFactory(username="coord")
    # given five wrong passwords on the portal's login page (the fifth already says the account is locked)
    for _ in range(4):
        response = portal_login(client, "coord", "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
    assert portal_login(client, "coord", "wrong-password").status_code == 429
    # when the right one comes
    response = portal_login(client, "coord", RIGHT)
    # then the page says why, and nobody is logged in
    assert response.status_code == 429
    assert "已被暂时锁定" in response.content.decode() and "15 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session


@time_machine.travel(START, tick=False)
def test_failures_on_the_portal_and_the_api_add_up(client):
    CoordinatorFactory(username="coord")
    for _ in range(3):
        portal_login(client, "coord", "wrong-password")
    fail("coord", 1)
    # the fifth failure in all locks the account
    assert_locked(token("coord", "wrong-password"))
    assert_locked(token("coord", RIGHT))


@time_machine.travel(START, tick=False)
def test_the_portal_lockout_page_is_in_english_when_english_was_chosen(client):
    CoordinatorFactory(username="coord")
    client.cookies["django_language"] = "en"
    for _ in range(5):
        portal_login(client, "coord", "wrong-password")
    response = portal_login(client, "coord", RIGHT)
    assert response.status_code == 429
    assert "locked" in response.content.decode()


@time_machine.travel(START, tick=False)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(settings):
    settings.XUETU_TRUSTED_PROXIES = 1
    CoordinatorFactory(username="a")
    CoordinatorFactory(username="b")
    # five failures from one client, all through the same proxy
    for _ in range(5):
        token("a", "wrong", address="172.17.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    # another client through the same proxy is not locked out; the first client is
    assert token("b", RIGHT, address="172.17.0.2", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200
    assert_locked(token("b", RIGHT, address="172.17.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7"))


@pytest.mark.parametrize("password", ["12345678901", "password123", "short", "coordinator-1"])
def test_weak_passwords_are_refused_by_the_validators(password):
    user = CoordinatorFactory(username="coordinator-1")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_strong_password_passes_and_refusals_read_in_chinese_and_english():
    user = CoordinatorFactory(username="coord")
    validate_password("绿色-Lathe-转塔-2026", user)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as zh:
        validate_password("123", user)
    with translation.override("en"), pytest.raises(ValidationError) as en:
        validate_password("123", user)
    assert "密码" in " ".join(zh.value.messages)
    assert "password" in " ".join(en.value.messages).lower()
