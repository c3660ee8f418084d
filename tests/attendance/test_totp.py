"""The rotating code's window, as pure functions (no DB, no clock)."""

import datetime as dt

import pyotp

from backend.attendance import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T0 = dt.datetime(2026, 10, 12, 1, 0, 0, tzinfo=dt.UTC)  # a step boundary (3600 s past midnight UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_the_code_is_rfc6238_totp_of_the_sites_secret():
    # given / when
    code = totp.code_for(SECRET, totp.step_of(T0))
    # then
    assert code == pyotp.TOTP(SECRET).at(T0)
    assert len(code) == 6 and code.isdigit()


def test_a_code_is_valid_for_one_step_plus_the_grace_and_expired_after():
    # given a code shown from T0
    code = totp.code_for(SECRET, totp.step_of(T0))
    step = totp.step_of(T0)
    # then
    assert totp.check(SECRET, code, at(0)) == (totp.Verdict.VALID, step)
    assert totp.check(SECRET, code, at(totp.STEP + totp.GRACE - 1)) == (
        totp.Verdict.VALID,
        step,
    )  # last second
    assert totp.check(SECRET, code, at(totp.STEP + totp.GRACE)) == (
        totp.Verdict.EXPIRED,
        step,
    )  # first invalid
    assert totp.check(SECRET, code, at(15 * 60)) == (totp.Verdict.EXPIRED, step)


def test_a_future_code_another_secrets_code_and_garbage_are_invalid():
    step = totp.step_of(T0)
    other = pyotp.random_base32()
    assert totp.check(SECRET, totp.code_for(SECRET, step + 1), T0)[0] is totp.Verdict.INVALID
    assert totp.check(SECRET, totp.code_for(other, step), T0)[0] is totp.Verdict.INVALID or (
        totp.code_for(other, step) == totp.code_for(SECRET, step)  # one in a million
    )
    for garbage in ("", "12345", "1234567", "abcdef", None):
        assert totp.check(SECRET, garbage, T0) == (totp.Verdict.INVALID, None)


def test_the_kiosk_counts_down_to_the_next_code():
    assert totp.seconds_left(at(0)) == 30
    assert totp.seconds_left(at(29)) == 1
    assert totp.seconds_left(at(30)) == 30
