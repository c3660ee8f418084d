"""The work site's rotating code (TOTP, RFC 6238 through pyotp): pure functions over a secret and an instant.

A code belongs to one 30-second step and is shown from the step's start; it is accepted until one step plus a
small grace after that (the apprentice types it while it changes): a code of step s is valid for
s * STEP <= t < (s + 1) * STEP + GRACE. Older codes of the last few minutes are told apart as "expired"; anything
else is not this site's code.
"""

from __future__ import annotations

import datetime as dt
import enum
import hmac

import pyotp

STEP = 30  # seconds a code is shown
GRACE = 10  # seconds a code is still accepted after the next one is shown
EXPIRED_LOOKBACK = 40  # steps (20 minutes) in which an old code is recognised as expired rather than wrong
DIGITS = 6


class Verdict(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


def new_secret() -> str:
    return pyotp.random_base32()


def step_of(instant: dt.datetime) -> int:
    return int(instant.timestamp()) // STEP


def code_for(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP).at(step * STEP)


def seconds_left(instant: dt.datetime) -> int:
    """Seconds until the code shown at ``instant`` is replaced on the kiosk."""
    return STEP - int(instant.timestamp()) % STEP


def check(secret: str, code: str, instant: dt.datetime) -> tuple[Verdict, int | None]:
    """Whether ``code`` is this secret's code at ``instant``: (verdict, the code's step when recognised)."""
    code = (code or "").strip()
    if len(code) != DIGITS or not code.isdigit():
        return Verdict.INVALID, None
    ts = instant.timestamp()
    current = int(ts) // STEP
    for step in range(current, current - EXPIRED_LOOKBACK, -1):
        if hmac.compare_digest(code_for(secret, step), code):
            if step == current or ts < (step + 1) * STEP + GRACE:
                return Verdict.VALID, step
            return Verdict.EXPIRED, step
    return Verdict.INVALID, None
