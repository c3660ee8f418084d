import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backend.accounts.models import User
from backend.core.models import AuditEvent
from backend.journals.models import (
    JournalEntry,
    JournalPhoto,
    JournalReview,
    JournalRevision,
    TeacherVisit,
    VisitPhoto,
)
from backend.notices.models import Notice
from tests.factories.accounts import MentorUserFactory, StudentUserFactory
from tests.factories.attendance import TeacherAssignmentFactory, TeacherFactory
from tests.factories.placements import PlacementFactory

# The ISO week 2026-W42: Monday 12 October to Sunday 18 October; due Monday 19 October 12:00 by default.
MONDAY = dt.date(2026, 10, 12)


def counts() -> dict[str, int]:
    """Every table a journal, a review or a visit writes."""
    return {
        "entries": JournalEntry.objects.count(),
        "revisions": JournalRevision.objects.count(),
        "reviews": JournalReview.objects.count(),
        "photos": JournalPhoto.objects.count(),
        "visits": TeacherVisit.objects.count(),
        "visit_photos": VisitPhoto.objects.count(),
        "audit": AuditEvent.objects.count(),
        "notices": Notice.objects.count(),
    }


def image_upload(
    name: str = "photo.jpg", fmt: str = "JPEG", size: tuple[int, int] = (40, 30)
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format=fmt)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}.get(fmt, "image/jpeg")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


@dataclass
class Apprentice:
    placement: Any
    student: Any  # the apprentice's user
    mentor: Any  # the mentor's user
    teacher: Any  # the assigned teacher's user


def make_apprentice(teacher: Any = None, **placement_kw: Any) -> Apprentice:
    """An apprentice with a login on an active placement, its mentor's login and an assigned teacher."""
    placement = PlacementFactory(active=True, **placement_kw)
    student = StudentUserFactory(student=placement.student, school=placement.student.school)
    mentor = User.objects.filter(mentor=placement.mentor).first() or MentorUserFactory(
        mentor=placement.mentor, company=placement.post.company
    )
    teacher = teacher or TeacherFactory(school=placement.pilot.school)
    TeacherAssignmentFactory(placement=placement, teacher=teacher)
    return Apprentice(placement=placement, student=student, mentor=mentor, teacher=teacher)


@pytest.fixture
def apprentice(db: Any) -> Apprentice:
    return make_apprentice()


# The browser fixtures (Debian's Chromium through Playwright) are the portal's.
from tests.portal.conftest import browser, login, new_page  # noqa: E402, F401
