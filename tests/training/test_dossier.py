"""The apprentice's record (学徒档案) PDF: every signatory on it, sealed by the platform, recognised at /verify, one
changed byte refused; downloadable by the apprentice, the school (coordinator, assigned teacher) and the company
only."""

import datetime
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from backend.training.models import SealedRecord
from tests.contracts.sealing_support import flip_byte_in_content
from tests.factories.accounts import BureauFactory, GuardianUserFactory, HrFactory, StudentUserFactory
from tests.factories.attendance import TeacherAssignmentFactory, TeacherFactory

from .conftest import Apprentice

pytestmark = pytest.mark.django_db
START = datetime.date(2026, 9, 1)


def _record(client, a: Apprentice, user) -> bytes:
    client.force_login(user)
    response = client.get(f"/training/records/{a.placement.training.pk}/record.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


@pytest.fixture
def reached(apprentice):
    """An apprentice who reached the standard: the mentor signed, the assigned teacher confirmed, all evaluated."""
    a = apprentice
    a.assigned = TeacherAssignmentFactory(placement=a.placement).teacher
    a.reach_standard(start=START, teacher=a.assigned)
    return a


def test_the_record_pdf_carries_every_signatory_and_verifies_and_one_changed_byte_fails(client, reached):
    a = reached
    # when the apprentice downloads the record
    pdf = _record(client, a, StudentUserFactory(student=a.placement.student))
    # then it names the plan version, each competency with its mentor and teacher, the evaluators and the hours
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for needle in (a.placement.student.name, f"v{a.plan.version}", a.placement.mentor.name, str(a.assigned)):
        assert needle in text, needle
    for competency in a.competencies:
        assert competency.code in text
    assert str(a.hr) in text and "8.00" in text
    sealed = SealedRecord.objects.get()
    assert sealed.sha256 == hashlib.sha256(pdf).hexdigest()
    # and /verify recognises the file (and its hash), listing the signatories; one changed byte fails
    client.logout()
    page = client.post("/verify", {"file": SimpleUploadedFile("record.pdf", pdf)}).content.decode()
    assert 'data-reason="VALID"' in page and str(a.assigned) in page and a.placement.mentor.name in page
    by_hash = client.get("/verify", {"sha256": sealed.sha256}).content.decode()
    assert 'data-reason="VALID"' in by_hash
    tampered = client.post("/verify", {"file": SimpleUploadedFile("r.pdf", flip_byte_in_content(pdf))})
    assert 'data-reason="VALID"' not in tampered.content.decode()


def test_the_school_and_the_company_download_it_and_no_one_else(client, reached):
    a = reached
    # the school's coordinator, the assigned teacher and the company's HR may
    for user in (a.teacher, a.assigned, a.hr):
        _record(client, a, user)
    assert SealedRecord.objects.count() == 3
    url = f"/training/records/{a.placement.training.pk}/record.pdf"
    # the mentor, a guardian, the bureau, another teacher and another company's HR may not, and nothing is sealed
    outsiders = [
        a.mentor,
        GuardianUserFactory(),
        BureauFactory(),
        TeacherFactory(school=a.placement.pilot.school),
        HrFactory(),
    ]
    for user in outsiders:
        client.force_login(user)
        assert client.get(url).status_code in (403, 404), user
    assert SealedRecord.objects.count() == 3
