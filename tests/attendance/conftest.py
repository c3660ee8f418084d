import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from backend.accounts.models import User
from backend.attendance import services, totp
from backend.attendance.models import (
    AttendanceRecord,
    DeviceBinding,
    Punch,
    TeacherAssignment,
    WorkPeriod,
    WorkSitePost,
)
from backend.core.clock import RULES_ZONE
from backend.core.models import AuditEvent
from backend.rules.models import Shift, Violation
from tests.factories.accounts import MentorUserFactory, StudentUserFactory
from tests.factories.attendance import WorkSiteFactory, WorkSitePostFactory
from tests.factories.placements import PlacementFactory

# A Monday in the placement's period, an ordinary working day.
MONDAY = dt.date(2026, 10, 12)


def local(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=RULES_ZONE)


def counts() -> dict[str, int]:
    """Every table a clock or an attestation writes."""
    return {
        "punches": Punch.objects.count(),
        "periods": WorkPeriod.objects.count(),
        "devices": DeviceBinding.objects.count(),
        "audit": AuditEvent.objects.count(),
        "violations": Violation.objects.count(),
        "records": AttendanceRecord.objects.count(),
        "shifts": Shift.objects.count(),
        "assignments": TeacherAssignment.objects.count(),
    }


@dataclass
class World:
    placement: Any
    site: Any
    student: Any  # the apprentice's user
    mentor: Any  # the mentor's user
    device: str = "phone-of-the-apprentice-0123456789"

    def code(self, at: dt.datetime, site: Any = None) -> str:
        return totp.code_for((site or self.site).secret, totp.step_of(at))

    def clock(
        self, kind: str, at: dt.datetime, *, code: str | None = None, key: str | None = None, **kw: Any
    ):
        kw.setdefault("device_token", self.device)
        site = kw.pop("site", self.site)
        return services.attendance_clock(
            actor=kw.pop("actor", self.student),
            site_id=site.pk,
            kind=kind,
            code=code if code is not None else self.code(at, site),
            idempotency_key=key or uuid.uuid4().hex,
            now=at,
            **kw,
        )

    def work(self, start: dt.datetime, end: dt.datetime):
        """A clocked-in and clocked-out period, waiting for the mentor."""
        self.clock("in", start)
        return self.clock("out", end).period


def make_world(**placement_kw: Any) -> World:
    placement = PlacementFactory(active=True, **placement_kw)
    link = WorkSitePost.objects.filter(post=placement.post).first() or WorkSitePostFactory(
        post=placement.post, site=WorkSiteFactory(company=placement.post.company)
    )
    student = StudentUserFactory(student=placement.student, school=placement.student.school)
    mentor = User.objects.filter(mentor=placement.mentor).first() or MentorUserFactory(
        mentor=placement.mentor, company=placement.post.company
    )
    return World(placement=placement, site=link.site, student=student, mentor=mentor)


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


# The browser fixtures (Debian's Chromium through Playwright) are the portal's.
from tests.portal.conftest import browser, login, new_page  # noqa: E402, F401
