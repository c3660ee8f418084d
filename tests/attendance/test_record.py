"""The sealed attendance record: a PDF of the attested days, make-ups and leave, sealed with the platform
certificate, verifiable at /verify; downloadable by the apprentice, the school and the company only."""

import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader
from rest_framework.test import APIClient

from backend.attendance import services
from backend.attendance.models import SealedAttendanceRecord
from tests.contracts.sealing_support import flip_byte_in_content
from tests.factories.accounts import CoordinatorFactory, GuardianUserFactory, HrFactory
from tests.factories.attendance import TeacherAssignmentFactory, TeacherFactory
from tests.factories.schools import GuardianFactory

from .conftest import MONDAY, local

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + dt.timedelta(days=1)


def attested_month(world):
    """Monday clocked and attested; Tuesday made up (a forgotten day) and attested; Wednesday on leave."""
    teacher = TeacherAssignmentFactory(
        placement=world.placement, teacher=TeacherFactory(school=world.placement.pilot.school)
    ).teacher
    services.period_attest(
        actor=world.mentor, period=world.work(local(MONDAY, 8, 0, 5), local(MONDAY, 16, 0, 5))
    )
    req = services.makeup_request(
        actor=world.student,
        kind="in",
        at=local(TUESDAY, 9),
        end_at=local(TUESDAY, 17),
        reason="忘记打卡",
        now=local(TUESDAY, 18),
    )
    period = services.makeup_approve(actor=world.mentor, request=req).period
    services.period_attest(actor=world.mentor, period=period)
    wednesday = MONDAY + dt.timedelta(days=2)
    leave = services.leave_request(
        actor=world.student,
        kind="sick",
        start_date=wednesday,
        end_date=wednesday,
        hours=Decimal("8"),
        reason="发烧",
        today=MONDAY,
    )
    services.leave_decide(actor=world.mentor, leave=leave, approve=True)
    services.leave_decide(actor=teacher, leave=leave, approve=True)
    return teacher


def download(user, placement) -> bytes:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(f"/api/v1/attendance/records/{placement.pk}/pdf/")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def verify(pdf: bytes) -> dict:
    return (
        APIClient()
        .post("/api/v1/verify/", {"file": SimpleUploadedFile("a.pdf", pdf)}, format="multipart")
        .json()
    )


def test_the_sealed_attendance_pdf_verifies_at_verify_and_one_changed_byte_fails(world, client):
    # given attested days, a make-up and an approved leave
    attested_month(world)
    # when the apprentice downloads the record
    pdf = download(world.student, world.placement)
    # then it holds the days, the make-up and the leave
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "2026-10-12" in text and "2026-10-13" in text and "补卡" in text and "病假" in text
    # and /verify recognises it, by file and by hash
    body = verify(pdf)
    assert (body["valid"], body["reason"]) == (True, "VALID"), body
    assert body["record"]["reference"] == f"ATT-{world.placement.pk}" and body["record"]["periods"] == 2
    assert body["signature"]["intact"] and body["signature"]["covers_whole_file"]
    by_hash = APIClient().post("/api/v1/verify/", {"sha256": hashlib.sha256(pdf).hexdigest()}, format="json")
    assert by_hash.json()["valid"] is True
    page = client.post("/verify", {"file": SimpleUploadedFile("a.pdf", pdf)}).content.decode()
    assert 'data-reason="VALID"' in page and f"ATT-{world.placement.pk}" in page
    # and one changed byte fails
    tampered = verify(flip_byte_in_content(pdf))
    assert (tampered["valid"], tampered["reason"]) == (False, "SIGNATURE_BROKEN")
    assert tampered["record"] is None


def test_the_same_content_answers_the_same_sealed_file(world):
    attested_month(world)
    first = download(world.student, world.placement)
    second = download(HrFactory(company=world.placement.post.company), world.placement)
    assert first == second and SealedAttendanceRecord.objects.count() == 1
    # a newly attested day makes a new one
    friday = MONDAY + dt.timedelta(days=4)
    services.period_attest(
        actor=world.mentor, period=world.work(local(friday, 8, 0, 5), local(friday, 12, 0, 5))
    )
    assert download(world.student, world.placement) != first
    assert SealedAttendanceRecord.objects.count() == 2


def test_only_the_apprentice_the_school_and_the_company_download_it(world):
    teacher = attested_month(world)
    school = world.placement.pilot.school
    for user in (world.student, world.mentor, teacher, CoordinatorFactory(school=school)):
        assert download(user, world.placement)[:5] == b"%PDF-"
    guardian = GuardianUserFactory(guardian=GuardianFactory(student=world.placement.student))
    for user in (guardian, HrFactory(), CoordinatorFactory(), TeacherFactory(school=school)):
        client = APIClient()
        client.force_authenticate(user)
        assert client.get(f"/api/v1/attendance/records/{world.placement.pk}/pdf/").status_code == 404, (
            user.role
        )
    assert SealedAttendanceRecord.objects.count() == 1
