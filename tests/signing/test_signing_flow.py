"""The happy path and the order: send, each party in turn, sealing."""

import hashlib
import json

import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient

from backend.placements.models import PlacementStatus
from backend.signing.models import (
    EnvelopeStatus,
    RequestStatus,
    SealedAgreement,
    Signature,
    SignatureRequest,
    SigningLink,
)
from backend.signing.sealing import agreement_seal
from backend.signing.selectors import agreement_is_sealed
from backend.signing.services import signing_send
from tests.signing.conftest import NOW, last_code, last_link, sms_to
from tests.signing.helpers import committed, sign_as_account, sign_by_link

pytestmark = pytest.mark.django_db


def test_sending_creates_one_request_per_party_in_the_default_order(cast, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        envelope = signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW)

    # then
    requests = list(envelope.requests.order_by("position"))
    assert [r.party for r in requests] == ["student", "guardian", "company", "school"]
    assert [r.status for r in requests] == ["pending", "waiting", "waiting", "waiting"]
    assert requests[0].party_name == "李小明" and requests[1].party_name == "李建国"
    # only the student got a link, by SMS; nobody else has been told anything
    assert len(sms_to(cast.student.phone)) == 1
    assert sms_to(cast.guardian.phone) == []
    assert not cast.hr.notices.exists()
    # the token is stored only as its SHA-256
    request_id, token = last_link(cast.student.phone)
    link = SigningLink.objects.get(request_id=request_id)
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(SigningLink.objects.values_list())
    cast.placement.refresh_from_db()
    assert cast.placement.status == PlacementStatus.SIGNING


def test_pilot_order_is_respected(cast, django_capture_on_commit_callbacks):
    # given: this pilot has the school sign first
    cast.placement.pilot.signing_order = ["school", "company", "guardian", "student"]
    cast.placement.pilot.save()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        envelope = signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW)

    # then
    assert list(envelope.requests.order_by("position").values_list("party", "status")) == [
        ("school", "pending"),
        ("company", "waiting"),
        ("guardian", "waiting"),
        ("student", "waiting"),
    ]
    assert cast.coordinator.notices.filter(kind="signing_request").count() == 1
    assert sms_to(cast.student.phone) == []


def test_three_party_agreement_has_no_guardian_request(db, django_capture_on_commit_callbacks):
    # given
    from tests.factories.accounts import CoordinatorFactory
    from tests.factories.placements import PlacementFactory
    from tests.signing.helpers import make_agreement_revision

    placement = PlacementFactory()
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    revision = make_agreement_revision(placement, four_party=False)

    # when
    envelope = signing_send(actor=coordinator, revision=revision, now=NOW)

    # then
    assert list(envelope.requests.values_list("party", flat=True)) == ["student", "company", "school"]


def test_all_four_parties_sign_in_order_and_the_pdf_is_sealed(cast, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        envelope = signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW)

    # when: student and guardian through their links, HR and the coordinator from their accounts
    sign_by_link(cast.student.phone, "李小明", ip="198.51.100.7")
    sign_by_link(cast.guardian.phone, "李建国")
    sign_as_account(cast.hr, "王芳")
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("documents")
    sign_as_account(cast.coordinator, "陈老师")

    # then: all signed, and the seal is queued on the "documents" queue once the last signature commits
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.COMPLETED
    queued = [json.loads(m) for m in broker.lrange("documents", 0, -1)]
    broker.delete("documents")
    assert [m["headers"]["task"] for m in queued] == ["documents.signing.seal"]
    assert not agreement_is_sealed(cast.placement)

    # when: the worker's task runs the sealing service
    sealed = committed(lambda: agreement_seal(envelope_id=envelope.pk, now=NOW))

    # then
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.SEALED
    data = sealed.pdf.read()
    assert hashlib.sha256(data).hexdigest() == sealed.sha256
    assert sealed.unsigned_sha256 == cast.revision.pdf_sha256
    assert agreement_is_sealed(cast.placement)
    signatures = list(Signature.objects.filter(request__envelope=envelope).order_by("signed_at"))
    assert [s.party for s in signatures] == ["student", "guardian", "company", "school"]
    first = signatures[0]
    assert first.ip_address == "198.51.100.7"
    assert first.verification_method == "sms_link"
    assert signatures[2].verification_method == "account_sms" and signatures[2].user == cast.hr
    assert first.agreed_text_sha256 == hashlib.sha256(first.agreed_text.encode()).hexdigest()
    assert cast.revision.pdf_sha256 in first.agreed_text
    # sealing twice changes nothing
    assert agreement_seal(envelope_id=envelope.pk, now=NOW).pk == sealed.pk
    assert SealedAgreement.objects.count() == 1
    assert cast.coordinator.notices.filter(kind="agreement_sealed").exists()
    # the student and the guardian are told by SMS where to check the sealed file
    for phone in (cast.student.phone, cast.guardian.phone):
        assert f"/verify?sha256={sealed.sha256}" in sms_to(phone)[-1]


def test_account_signer_sees_a_request_only_when_it_is_their_turn(cast, api_client_for):
    # given
    envelope = signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW)
    company_request = envelope.requests.get(party="company")
    client = api_client_for(cast.hr)

    # when
    listed = client.get("/api/v1/signing/requests/")
    code = client.post(f"/api/v1/signing/requests/{company_request.pk}/code/")

    # then: nothing listed, and the request is invisible (404), not merely refused
    assert listed.status_code == 200 and listed.json() == []
    assert code.status_code == 404


def test_link_detail_shows_the_agreement_and_the_text_to_agree(cast, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW)
    request_id, token = last_link(cast.student.phone)

    # when
    detail = APIClient().get(f"/api/v1/signing/links/{request_id}/{token}/")
    pdf = APIClient().get(f"/api/v1/signing/links/{request_id}/{token}/pdf")

    # then
    assert detail.status_code == 200, detail.content
    body = detail.json()
    assert body["party"] == "student" and body["party_name"] == "李小明"
    assert body["pdf_sha256"] == cast.revision.pdf_sha256
    assert "李小明" in body["agreed_text"]
    assert "resident_id" not in detail.content.decode()
    assert pdf.status_code == 200
    assert hashlib.sha256(b"".join(pdf.streaming_content)).hexdigest() == cast.revision.pdf_sha256


def test_decline_stops_the_agreement_and_tells_the_coordinator(cast, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        envelope = signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW)
    request_id, token = last_link(cast.student.phone)
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/signing/links/{request_id}/{token}/code/")

    # when
    response = client.post(
        f"/api/v1/signing/links/{request_id}/{token}/decline/",
        {"code": last_code(cast.student.phone), "reason": "岗位与专业不对口"},
        format="json",
    )

    # then
    assert response.status_code == 200, response.content
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.DECLINED
    assert SignatureRequest.objects.get(pk=request_id).status == RequestStatus.DECLINED
    notice = cast.coordinator.notices.get(kind="agreement_declined")
    assert "岗位与专业不对口" in notice.body
    cast.placement.refresh_from_db()
    assert cast.placement.status == PlacementStatus.PROPOSED
    # the link is dead, with a clear reason
    again = client.get(f"/api/v1/signing/links/{request_id}/{token}/")
    assert again.status_code == 410 and again.json()["error"]["code"] == "AGREEMENT_DECLINED"


def test_a_signed_but_unsealed_envelope_is_queued_again_by_the_sweep(cast):
    # given: every party signed 10 minutes ago, and the seal never happened (e.g. the key was missing)
    import datetime as dt

    from backend.signing.models import SigningEnvelope
    from worker.tasks.signing import seal_sweep

    envelope = committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))
    sign_by_link(cast.student.phone, "李小明")
    sign_by_link(cast.guardian.phone, "李建国")
    sign_as_account(cast.hr, "王芳")
    sign_as_account(cast.coordinator, "陈老师")
    SigningEnvelope.objects.filter(pk=envelope.pk).update(updated_at=NOW - dt.timedelta(minutes=10))
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("documents")

    # when: beat's sweep runs (here in-process; it only enqueues)
    queued_count = seal_sweep.run()

    # then
    queued = [json.loads(m) for m in broker.lrange("documents", 0, -1)]
    broker.delete("documents")
    assert queued_count == 1
    assert [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in queued] == [
        ("documents.signing.seal", f"({envelope.pk},)")
    ]
