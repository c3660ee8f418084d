"""Fixtures for the signing tests: a four-party agreement ready to send, the people who sign it, the SMS outbox
(SMS is the one thing mocked: delivery leaves the machine), and a throw-away platform certificate."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest

from backend.signing import sms
from contracts.sealing import create_dev_certificate
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.placements import PlacementFactory
from tests.factories.schools import GuardianFactory, birth_date_for_age
from tests.signing.helpers import make_agreement_revision

NOW = dt.datetime.now(dt.UTC)  # the API reads the real clock; tests of clock edges travel explicitly
PASSPHRASE = "signing-tests"


@pytest.fixture(scope="session")
def sealing_cert(tmp_path_factory):
    return create_dev_certificate(tmp_path_factory.mktemp("sealing"), passphrase=PASSPHRASE)


@pytest.fixture(autouse=True)
def signing_settings(settings, sealing_cert):
    settings.XUETU_SMS_BACKEND = "backend.signing.sms.LocmemSmsBackend"
    settings.XUETU_SEALING_PKCS12 = str(sealing_cert.pkcs12_path)
    settings.XUETU_SEALING_PASSPHRASE = PASSPHRASE
    settings.XUETU_SEALING_TIMESTAMP_URL = ""
    settings.XUETU_PUBLIC_URL = "https://xuetu.example.cn"
    sms.outbox.clear()
    yield settings
    sms.outbox.clear()


@dataclass
class Cast:
    """Everyone involved in one four-party agreement."""

    placement: Any
    revision: Any
    student: Any
    guardian: Any
    hr: Any
    coordinator: Any


@pytest.fixture
def cast(db) -> Cast:
    start = dt.date(2026, 9, 1)
    placement = PlacementFactory(
        student__name="李小明", student__birth=birth_date_for_age(17, start), start_date=start
    )
    guardian = GuardianFactory(student=placement.student, name="李建国", phone="13811112222", is_primary=True)
    hr = HrFactory(company=placement.post.company, display_name="王芳", phone="13700001111")
    coordinator = CoordinatorFactory(
        school=placement.pilot.school, display_name="陈老师", phone="13600002222"
    )
    revision = make_agreement_revision(placement, four_party=True)
    return Cast(placement, revision, placement.student, guardian, hr, coordinator)


def sms_to(phone: str) -> list[str]:
    return [m.text for m in sms.outbox if m.phone == phone]


def last_link(phone: str) -> tuple[int, str]:
    """(request id, token) from the newest signing link sent to `phone`."""
    for text in reversed(sms_to(phone)):
        found = re.search(r"/sign/(\d+)/([A-Za-z0-9_\-]+)", text)
        if found:
            return int(found.group(1)), found.group(2)
    raise AssertionError(f"no signing link sent to {phone}: {sms_to(phone)}")


def last_code(phone: str) -> str:
    for text in reversed(sms_to(phone)):
        found = re.search(r"验证码 (\d{6})", text)
        if found:
            return found.group(1)
    raise AssertionError(f"no code sent to {phone}")
