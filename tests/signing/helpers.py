"""Helpers for the signing tests: an agreement revision with a stored PDF, and the steps of signing."""

from __future__ import annotations

import hashlib
from typing import Any

from django.test import TestCase
from rest_framework.test import APIClient

from tests.contracts.sealing_support import agreement_pdf


def _template_version(kind: str) -> Any:
    from django.core.files.base import ContentFile

    from backend.agreements.models import TemplateVersion

    version = TemplateVersion.objects.filter(kind=kind, school=None).first()
    if version is None:
        data = b"template stand-in for signing tests"
        version = TemplateVersion(kind=kind, number=1, sha256=hashlib.sha256(data).hexdigest())
        version.file.save(f"{kind}.docx", ContentFile(data), save=False)
        version.save()
    return version


def make_agreement_revision(
    placement: Any, *, four_party: bool, pdf: bytes | None = None, agreement: Any = None, replaces: Any = None
) -> Any:
    """An agreement (draft) with a revision whose PDF is stored. reportlab makes the PDF here; the end-to-end test
    uses the real template and LibreOffice."""
    from django.core.files.base import ContentFile

    from backend.agreements.models import Agreement, AgreementRevision

    kind = "four_party" if four_party else "three_party"
    pdf = pdf or agreement_pdf(pages=2)
    if agreement is None:
        agreement = Agreement.objects.create(
            placement=placement,
            kind=kind,
            number=f"XT-TEST-{placement.pk:06d}-{Agreement.objects.count() + 1}",
            replaces=replaces,
        )
    number = (agreement.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    student = placement.student
    guardian = student.guardians.order_by("-is_primary").first()
    context = {
        "student": {"name": student.name, "phone": student.phone},
        "guardian": {"name": guardian.name, "phone": guardian.phone} if guardian else None,
        "company": {"name": placement.post.company.name},
        "school": {"name": placement.pilot.school.name},
    }
    revision = AgreementRevision(
        agreement=agreement,
        number=number,
        template_version=_template_version(kind),
        context=context,
        docx_sha256=hashlib.sha256(b"docx").hexdigest(),
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
    )
    revision.docx.save("agreement.docx", ContentFile(b"docx"), save=False)
    revision.pdf.save("agreement.pdf", ContentFile(pdf), save=False)
    revision.save()
    return revision


def committed(call: Any) -> Any:
    """Run `call` and then its on-commit callbacks (SMS, enqueueing), as a real request would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call()


def sign_by_link(
    phone: str, typed_name: str, *, ip: str = "203.0.113.9", client: APIClient | None = None
) -> Any:
    from tests.signing.conftest import last_code, last_link

    client = client or APIClient(REMOTE_ADDR=ip, HTTP_USER_AGENT="Mozilla/5.0 (iPhone) test")
    request_id, token = last_link(phone)
    sent = committed(lambda: client.post(f"/api/v1/signing/links/{request_id}/{token}/code/"))
    assert sent.status_code == 200, sent.content
    code = last_code(phone)
    response = committed(
        lambda: client.post(
            f"/api/v1/signing/links/{request_id}/{token}/sign/",
            {"code": code, "typed_name": typed_name, "agreed": True},
            format="json",
        )
    )
    assert response.status_code == 201, response.content
    return response


def sign_as_account(user: Any, typed_name: str) -> Any:
    from backend.signing.models import SignatureRequest
    from tests.signing.conftest import last_code

    client = APIClient(REMOTE_ADDR="192.0.2.44", HTTP_USER_AGENT="Mozilla/5.0 (Windows) portal")
    client.force_authenticate(user=user)
    listed = client.get("/api/v1/signing/requests/", {"status": "pending"}).json()
    party = "company" if user.role == "hr" else "school"
    (pending,) = [r for r in listed if r["party"] == party]
    assert SignatureRequest.objects.get(pk=pending["id"]).status == "pending"
    sent = committed(lambda: client.post(f"/api/v1/signing/requests/{pending['id']}/code/"))
    assert sent.status_code == 200, sent.content
    code = last_code(user.phone)
    response = committed(
        lambda: client.post(
            f"/api/v1/signing/requests/{pending['id']}/sign/",
            {"code": code, "typed_name": typed_name, "agreed": True},
            format="json",
        )
    )
    assert response.status_code == 201, response.content
    return response
