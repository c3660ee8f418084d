"""Helpers for the signing tests: an agreement revision with a stored PDF, and the steps of signing."""

from __future__ import annotations

import hashlib
from typing import Any

from django.test import TestCase
from rest_framework.test import APIClient

from tests.contracts.sealing_support import agreement_pdf


def make_agreement_revision(placement: Any, *, four_party: bool, pdf: bytes | None = None) -> Any:
    """An agreement with one revision whose PDF is stored (reportlab-made here; the end-to-end test uses the real
    LibreOffice pipeline)."""
    from django.core.files.base import ContentFile

    from backend.agreements.models import Agreement, AgreementRevision

    pdf = pdf or agreement_pdf(pages=2)
    agreement = Agreement.objects.create(
        placement=placement, kind="four_party" if four_party else "three_party"
    )
    revision = AgreementRevision(agreement=agreement, number=1, pdf_sha256=hashlib.sha256(pdf).hexdigest())
    revision.pdf.save("agreement.pdf", ContentFile(pdf), save=False)
    revision.save()
    return revision


def committed(call: Any) -> Any:
    """Run `call` and then its on-commit callbacks (SMS, enqueueing), as a real request would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call()


def sign_by_link(phone: str, typed_name: str, *, ip: str = "203.0.113.9", client: APIClient | None = None) -> Any:
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
