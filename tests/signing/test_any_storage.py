"""Every stored file goes through Django's storage API: the whole agreement path (generate with the real template and
LibreOffice, page images for the signer, every party signs, seal, verify, download) runs with Django's
InMemoryStorage as the default storage, and nothing is written under MEDIA_ROOT."""

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from backend.agreements.models import AgreementKind
from backend.agreements.services import agreement_generate
from backend.portal.pdfpages import page_cache_name
from backend.signing.models import EnvelopeStatus
from backend.signing.sealing import agreement_seal
from backend.signing.services import signing_send
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.agreements import complete_placement
from tests.factories.schools import birth_date_for_age
from tests.signing.conftest import NOW, last_link
from tests.signing.helpers import committed, sign_as_account, sign_by_link

pytestmark = [pytest.mark.django_db, pytest.mark.libreoffice]

START = dt.date(2026, 9, 1)


def _files_under_media_root() -> int:
    root = Path(settings.MEDIA_ROOT)
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


@pytest.fixture
def in_memory_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    # Django's setting_changed handler resets default_storage now and again when pytest-django restores the setting


def test_generate_sign_seal_verify_download_with_in_memory_storage(in_memory_storage):
    # given a four-party placement, its people, and no file on the local disk yet
    before = _files_under_media_root()
    placement = complete_placement(birth=birth_date_for_age(17, START), start_date=START)
    student = placement.student
    guardian = student.guardians.get()
    hr = HrFactory(company=placement.post.company, display_name="王芳", phone="13700001111")
    coordinator = CoordinatorFactory(
        school=placement.pilot.school, display_name="陈老师", phone="13600002222"
    )

    # when the agreement is generated (docxtpl + LibreOffice in a temporary directory) and sent
    agreement = agreement_generate(actor=coordinator, placement=placement)
    revision = agreement.current_revision
    envelope = committed(lambda: signing_send(actor=coordinator, revision=revision, now=NOW))

    # then the template, the DOCX and the PDF live in the in-memory storage
    assert isinstance(default_storage._wrapped, InMemoryStorage)  # evaluated by the saves above
    assert agreement.kind == AgreementKind.FOUR_PARTY
    for stored in (revision.template_version.file, revision.docx, revision.pdf):
        assert default_storage.exists(stored.name), stored.name
    with revision.pdf.open("rb") as fh:
        unsigned = fh.read()
    assert hashlib.sha256(unsigned).hexdigest() == revision.pdf_sha256

    # when the student reads page 1 as an image through the link, twice
    request_id, token = last_link(student.phone)
    first = APIClient().get(f"/sign/{request_id}/{token}/page-1.png")
    again = APIClient().get(f"/sign/{request_id}/{token}/page-1.png")

    # then the image is rendered once and cached in the storage
    assert first.status_code == 200 and first["Content-Type"] == "image/png"
    assert first.content.startswith(b"\x89PNG") and again.content == first.content
    cached = page_cache_name(unsigned, 1)
    assert default_storage.exists(cached)
    assert default_storage.listdir(cached.rsplit("/", 1)[0])[1] == ["page-1.png"]

    # when every party signs and the platform seals
    sign_by_link(student.phone, student.name)
    sign_by_link(guardian.phone, guardian.name)
    sign_as_account(hr, "王芳")
    sign_as_account(coordinator, "陈老师")
    sealed = committed(lambda: agreement_seal(envelope_id=envelope.pk, now=NOW))

    # then the sealed PDF is in the storage and verifies
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.SEALED
    assert default_storage.exists(sealed.pdf.name)
    with sealed.pdf.open("rb") as fh:
        sealed_bytes = fh.read()
    assert hashlib.sha256(sealed_bytes).hexdigest() == sealed.sha256
    verified = APIClient().post(
        "/api/v1/verify/", {"file": SimpleUploadedFile("a.pdf", sealed_bytes)}, format="multipart"
    )
    assert verified.status_code == 200, verified.content
    assert (verified.json()["valid"], verified.json()["reason"]) == (True, "VALID")

    # when the coordinator downloads the sealed file
    client = APIClient()
    client.force_authenticate(coordinator)
    download = client.get(f"/api/v1/signing/envelopes/{envelope.pk}/sealed.pdf")

    # then it is the stored file, byte for byte, and nothing was written under MEDIA_ROOT
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == sealed_bytes
    assert _files_under_media_root() == before
