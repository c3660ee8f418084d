"""The public /verify page and /api/v1/verify/: a sealed agreement is recognised; tampering is not."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader, PdfWriter
from rest_framework.test import APIClient

from backend.signing.sealing import agreement_seal
from backend.signing.services import signing_send, signing_void
from tests.contracts.sealing_support import flip_byte_in_content
from tests.factories.accounts import HrFactory
from tests.signing.conftest import NOW
from tests.signing.helpers import committed, sign_as_account, sign_by_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed(cast):
    envelope = committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))
    sign_by_link(cast.student.phone, "李小明")
    sign_by_link(cast.guardian.phone, "李建国")
    sign_as_account(cast.hr, "王芳")
    sign_as_account(cast.coordinator, "陈老师")
    return agreement_seal(envelope_id=envelope.pk, now=NOW)


def upload(pdf: bytes):
    return APIClient().post("/api/v1/verify/", {"file": SimpleUploadedFile("a.pdf", pdf)}, format="multipart")


def test_the_sealed_file_is_recognised_without_login(sealed, cast):
    # given
    pdf = sealed.pdf.read()

    # when
    response = upload(pdf)

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["valid"] is True and body["reason"] == "VALID"
    assert body["document_sha256"] == sealed.sha256
    assert (
        body["signature"]["intact"]
        and body["signature"]["covers_whole_file"]
        and body["signature"]["trusted"]
    )
    assert [p["party"] for p in body["agreement"]["parties"]] == ["student", "guardian", "company", "school"]
    assert [h["signer_name"] for h in body["history"]] == ["李小明", "李建国", "王芳", "陈老师"]
    # no ID numbers, phone numbers or IP addresses
    text = response.content.decode()
    assert cast.student.resident_id not in text
    assert cast.student.phone not in text and cast.guardian.phone not in text
    assert "203.0.113.9" not in text and "ip" not in {k for h in body["history"] for k in h}


def test_the_hash_alone_is_recognised(sealed):
    response = APIClient().post("/api/v1/verify/", {"sha256": sealed.sha256.upper()}, format="json")
    assert response.json()["valid"] is True
    assert response.json()["checked"] == "hash"


def test_a_changed_byte_is_not_valid(sealed):
    response = upload(flip_byte_in_content(sealed.pdf.read()))
    body = response.json()
    assert (body["valid"], body["reason"]) == (False, "SIGNATURE_BROKEN")
    assert body["agreement"] is None


def test_a_stripped_signature_is_not_valid(sealed):
    reader = PdfReader(io.BytesIO(sealed.pdf.read()))
    writer = PdfWriter()
    for page in reader.pages:
        page.pop("/Annots", None)
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    body = upload(out.getvalue()).json()
    assert (body["valid"], body["reason"]) == (False, "NO_SIGNATURE")


def test_an_unknown_file_or_hash_is_not_valid(sealed):
    assert upload(b"not a pdf at all").json()["reason"] == "NOT_A_PDF"
    unknown = APIClient().post("/api/v1/verify/", {"sha256": hashlib.sha256(b"x").hexdigest()}, format="json")
    assert (unknown.json()["valid"], unknown.json()["reason"]) == (False, "NOT_ON_RECORD")
    bad = APIClient().post("/api/v1/verify/", {"sha256": "abc"}, format="json")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "BAD_SHA256")


def test_a_voided_agreement_is_reported_as_voided(sealed, cast):
    committed(
        lambda: signing_void(actor=cast.coordinator, envelope=sealed.envelope, reason="重新签订", now=NOW)
    )
    body = upload(sealed.pdf.read()).json()
    assert (body["valid"], body["reason"]) == (False, "VOIDED_AFTER_SEALING")
    assert body["agreement"]["status"] == "voided"


def test_the_verify_page_answers_an_upload(sealed, client):
    # given
    pdf = sealed.pdf.read()

    # when
    page = client.post("/verify", {"file": SimpleUploadedFile("a.pdf", pdf)})
    tampered = client.post("/verify", {"file": SimpleUploadedFile("a.pdf", flip_byte_in_content(pdf))})
    by_hash = client.get("/verify", {"sha256": sealed.sha256})

    # then
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-reason="VALID"' in html and "李建国" in html and "陈老师" in html
    assert 'data-reason="SIGNATURE_BROKEN"' in tampered.content.decode()
    assert 'data-reason="VALID"' in by_hash.content.decode()
    assert client.get("/verify").status_code == 200


def test_the_sealed_pdf_is_downloadable_only_by_its_tenants(sealed, cast):
    own = APIClient()
    own.force_authenticate(cast.hr)
    stranger = APIClient()
    stranger.force_authenticate(HrFactory())
    response = own.get(f"/api/v1/signing/envelopes/{sealed.envelope_id}/sealed.pdf")
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == sealed.sha256
    assert stranger.get(f"/api/v1/signing/envelopes/{sealed.envelope_id}/sealed.pdf").status_code == 404
    assert APIClient().get(f"/api/v1/signing/envelopes/{sealed.envelope_id}/sealed.pdf").status_code in (
        401,
        403,
    )
