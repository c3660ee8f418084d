"""The apprentice's record as a signed Open Badges 3.0 / CLR credential: the signature verifies, and fails when a
field is changed."""

import base64
import json

import pytest

from backend.training import services
from backend.training.records import record_verify
from tests.factories.accounts import CoordinatorFactory

pytestmark = pytest.mark.django_db


def _b64(data: dict) -> str:
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_the_json_record_verifies_and_fails_when_a_field_is_changed(apprentice, api_client_for):
    a = apprentice
    sign_off = services.competency_sign(placement=a.placement, competency=a.competencies[0], actor=a.mentor)
    services.sign_off_confirm(sign_off=sign_off, actor=a.teacher)
    record = a.placement.training
    response = api_client_for(a.teacher).get(f"/api/v1/training-records/{record.pk}/credential/")
    assert response.status_code == 200
    body = response.json()
    credential = body["credential"]
    assert "ClrCredential" in credential["type"]
    assertion = credential["credentialSubject"]["verifiableCredential"][0]
    assert assertion["credentialSubject"]["achievement"]["humanCode"] == a.competencies[0].code
    roles = {e["role"] for e in assertion["credentialSubject"]["endorsements"]}
    assert roles == {"mentor", "teacher"}
    # the signature verifies
    verified = record_verify(body["jwt"])
    assert verified is not None and verified["id"] == credential["id"]
    # a changed field fails it
    header, payload, signature = body["jwt"].split(".")
    forged = dict(verified, name="学徒档案 别人")
    assert record_verify(f"{header}.{_b64(forged)}.{signature}") is None
    assert record_verify("not.a.jwt") is None
    # another school cannot fetch it
    assert (
        api_client_for(CoordinatorFactory())
        .get(f"/api/v1/training-records/{record.pk}/credential/")
        .status_code
        == 404
    )
