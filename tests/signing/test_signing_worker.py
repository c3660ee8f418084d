"""On a real Celery worker (Redis broker, the test database): sealing on the "documents" queue, reminders and
expiry by the beat sweeps. And the end-to-end run: a real four-party agreement from the Word template, converted by
LibreOffice, signed by every party in order, sealed by pyHanko on the worker, checked by pdfsig, pdftotext, pyHanko's
validator and /verify."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import re
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from rest_framework.test import APIClient

from backend.signing.models import RequestStatus, SealedAgreement, SignatureRequest
from backend.signing.services import signing_send
from tests.conftest import WorkerProcess, running_worker, wait_for
from tests.signing.conftest import NOW, PASSPHRASE, last_link
from tests.signing.helpers import committed, make_agreement_revision, sign_as_account, sign_by_link

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signing_worker(transactional_db, sealing_cert):
    """The foundation's worker process, told where the platform certificate is."""
    yield from running_worker(
        WorkerProcess(
            extra_env={
                "XUETU_SEALING_PKCS12": str(sealing_cert.pkcs12_path),
                "XUETU_SEALING_PASSPHRASE": PASSPHRASE,
                "XUETU_PUBLIC_URL": "https://xuetu.example.cn",
            }
        )
    )


def links_in_log(worker: WorkerProcess, phone: str) -> list[tuple[int, str]]:
    return [
        (int(m.group(1)), m.group(2))
        for m in re.finditer(rf"SMS to {phone}: .*?/sign/(\d+)/([A-Za-z0-9_\-]+)", worker.log)
    ]


def test_reminders_go_out_on_the_worker_until_signed(cast, signing_worker):
    # given: the student's request was sent 25 hours ago, the company's is not yet due
    committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))
    student_request = SignatureRequest.objects.get(party="student", envelope__revision=cast.revision)
    SignatureRequest.objects.filter(pk=student_request.pk).update(sent_at=NOW - dt.timedelta(hours=25))
    old_id, old_token = last_link(cast.student.phone)

    # when: beat's sweep runs on the worker
    from worker.tasks.signing import remind_sweep

    remind_sweep.delay()

    # then: one reminder, with a fresh link by SMS (logged by the console backend); the old link is replaced
    wait_for(lambda: SignatureRequest.objects.get(pk=student_request.pk).reminder_count == 1)
    wait_for(lambda: links_in_log(signing_worker, cast.student.phone))
    (new_id, new_token), *_ = links_in_log(signing_worker, cast.student.phone)
    assert new_id == old_id and new_token != old_token
    old = APIClient().get(f"/api/v1/signing/links/{old_id}/{old_token}/")
    assert old.json()["error"]["code"] == "LINK_REPLACED"
    assert APIClient().get(f"/api/v1/signing/links/{new_id}/{new_token}/").status_code == 200
    # and a second sweep within the interval finds nothing to do
    remind_sweep.delay()
    wait_for(
        lambda: re.search(r"signing\.remind_sweep\[[^\]]+\] succeeded in [0-9.]+s: 0", signing_worker.log)
    )
    assert SignatureRequest.objects.get(pk=student_request.pk).reminder_count == 1


def test_company_reminder_is_an_inbox_notice(cast, signing_worker):
    # given: the student and guardian signed; the company's turn started 25 hours ago
    committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))
    sign_by_link(cast.student.phone, "李小明")
    sign_by_link(cast.guardian.phone, "李建国")
    company = SignatureRequest.objects.get(party="company", envelope__revision=cast.revision)
    SignatureRequest.objects.filter(pk=company.pk).update(sent_at=NOW - dt.timedelta(hours=25))

    # when
    from worker.tasks.signing import remind_sweep

    remind_sweep.delay()

    # then
    wait_for(lambda: cast.hr.notices.filter(kind="signing_reminder").exists())
    assert not cast.coordinator.notices.filter(kind="signing_reminder").exists()


def test_expiry_runs_on_the_worker_and_tells_the_coordinator(cast, signing_worker):
    # given: the student's request has run out
    committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))
    request = SignatureRequest.objects.get(party="student", envelope__revision=cast.revision)
    SignatureRequest.objects.filter(pk=request.pk).update(expires_at=NOW - dt.timedelta(minutes=1))

    # when
    from worker.tasks.signing import expire_sweep

    expire_sweep.delay()

    # then
    wait_for(lambda: SignatureRequest.objects.get(pk=request.pk).status == RequestStatus.EXPIRED)
    wait_for(lambda: cast.coordinator.notices.filter(kind="signing_expired").exists())


def _real_four_party_pdf(cast) -> tuple[bytes, dict]:
    """The shipped four-party Word template, rendered with this placement's people, converted by LibreOffice."""
    from contracts.context import AgreementKind, Guardian
    from contracts.convert import convert_cold
    from contracts.render import render_docx
    from contracts.samples import sample_context

    context = sample_context(AgreementKind.FOUR_PARTY, number="XT-E2E-000001", student_name=cast.student.name)
    context = dataclasses.replace(
        context,
        guardian=Guardian(name=cast.guardian.name, relation="父亲", phone=cast.guardian.phone),
    )
    template = (REPO / "templates" / "agreements" / "four_party.docx").read_bytes()
    pdf = convert_cold(render_docx(template, context))
    return pdf, context.to_template_dict()


@pytest.mark.libreoffice
def test_four_party_agreement_end_to_end(cast, signing_worker, sealing_cert, tmp_path):
    # given: a real agreement PDF from LibreOffice
    pdf, _context = _real_four_party_pdf(cast)
    assert "监护人" in subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout.decode()
    revision = make_agreement_revision(
        cast.placement, four_party=True, pdf=pdf, agreement=cast.revision.agreement
    )

    # when: sent, and signed by every party in order (links for the student and guardian, accounts for the others)
    committed(lambda: signing_send(actor=cast.coordinator, revision=revision, now=NOW))
    sign_by_link(cast.student.phone, "李小明")
    sign_by_link(cast.guardian.phone, "李建国")
    sign_as_account(cast.hr, "王芳")
    sign_as_account(cast.coordinator, "陈老师")

    # then: the worker seals it
    sealed = wait_for(lambda: SealedAgreement.objects.filter(envelope__revision=revision).first(), timeout=90)
    data = sealed.pdf.read()
    assert hashlib.sha256(data).hexdigest() == sealed.sha256
    assert sealed.unsigned_sha256 == hashlib.sha256(pdf).hexdigest()
    path = tmp_path / "sealed.pdf"
    path.write_bytes(data)

    # pdfsig, with an NSS database that trusts the platform's CA
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(
        ["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True
    )
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{nss}",
            "-n",
            "ca",
            "-t",
            "CT,C,C",
            "-i",
            str(sealing_cert.ca_pem_path),
        ],
        check=True,
        capture_output=True,
    )
    report = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True
    ).stdout.decode()
    assert "Signature is Valid" in report and "Certificate is Trusted" in report
    assert "Total document signed" in report

    # pyHanko's validator
    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    from backend.signing.sealing import get_sealer

    context = ValidationContext(trust_roots=list(get_sealer().chain), allow_fetching=False)
    status = validate_pdf_signature(signature, signer_validation_context=context)
    assert status.bottom_line and status.coverage.name == "ENTIRE_FILE"
    assert status.modification_level.name == "NONE"

    # the text: the agreement, then the certificate page with every party and event
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True).stdout.decode()
    assert text.index("监护人") < text.index("电子签署证书")
    for name in ("李小明", "李建国", "王芳", "陈老师", sealed.unsigned_sha256[:16]):
        assert name in text.split("电子签署证书", 1)[1]

    # /verify recognises the file and its hash
    answer = APIClient().post(
        "/api/v1/verify/", {"file": SimpleUploadedFile("s.pdf", data)}, format="multipart"
    )
    assert answer.json()["valid"] is True
    assert [h["party"] for h in answer.json()["history"]] == ["student", "guardian", "company", "school"]
    by_hash = APIClient().post("/api/v1/verify/", {"sha256": sealed.sha256}, format="json")
    assert by_hash.json()["valid"] is True
    # and the placement may now become active as far as AGREEMENT_SIGNED is concerned
    from backend.signing.selectors import agreement_is_sealed

    assert agreement_is_sealed(cast.placement)
