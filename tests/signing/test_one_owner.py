"""One owner for voiding: whichever way an agreement is voided or replaced (API, portal, signing), its signing is
closed through one service. A failed seal is never silent: the envelope reads failed, the coordinator is told once,
and the seal sweep retries it."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from backend.agreements.models import Agreement, AgreementStatus
from backend.agreements.services import agreement_generate
from backend.notices.models import Notice
from backend.placements.models import PlacementStatus
from backend.signing import sms
from backend.signing.models import EnvelopeStatus, RequestStatus, SigningEnvelope, SigningLink
from backend.signing.sealing import envelope_seal
from backend.signing.selectors import envelopes_awaiting_seal, requests_due_for_reminder
from backend.signing.services import signing_remind, signing_send
from tests.conftest import WorkerProcess, running_worker, wait_for
from tests.factories.accounts import CoordinatorFactory
from tests.factories.agreements import complete_placement
from tests.signing.conftest import NOW, last_link
from tests.signing.helpers import committed, sign_as_account, sign_by_link

pytestmark = pytest.mark.django_db


def _closed(envelope: SigningEnvelope) -> None:
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.VOIDED
    assert not envelope.requests.filter(
        status__in=[RequestStatus.WAITING, RequestStatus.PENDING, RequestStatus.EXPIRED]
    ).exists()
    assert not SigningLink.objects.filter(
        request__envelope=envelope, used_at__isnull=True, revoked_at__isnull=True
    ).exists()


def test_voiding_from_the_api_closes_the_signing_no_reminder_no_live_link(cast):
    # given an agreement out for signing: the student's link is live, the guardian waits
    envelope = committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))
    request_id, token = last_link(cast.student.phone)
    client = APIClient()
    client.force_authenticate(cast.coordinator)

    # when the coordinator voids the agreement through the agreements API
    response = committed(
        lambda: client.post(
            f"/api/v1/agreements/{cast.revision.agreement_id}/void/", {"reason": "学生转专业"}, format="json"
        )
    )

    # then its signing is closed: no open request, the link answers 410, no reminder is due or sent
    assert response.status_code == 200, response.content
    _closed(envelope)
    link = APIClient().get(f"/api/v1/signing/links/{request_id}/{token}/")
    assert (link.status_code, link.json()["error"]["code"]) == (410, "AGREEMENT_VOIDED")
    later = NOW + dt.timedelta(days=3)
    assert not requests_due_for_reminder(now=later).exists()
    sms.outbox.clear()
    assert not any(signing_remind(request_id=r.pk, now=later) for r in envelope.requests.all())
    assert sms.outbox == []
    cast.placement.refresh_from_db()
    assert cast.placement.status == PlacementStatus.PROPOSED


@pytest.mark.libreoffice
def test_replacing_from_the_api_and_from_the_portal_closes_the_signing_and_records_what_it_replaces(client):
    # given a generated agreement out for signing
    placement = complete_placement()
    coordinator = CoordinatorFactory(
        school=placement.pilot.school, display_name="陈老师", phone="13600002222"
    )
    first = agreement_generate(actor=coordinator, placement=placement)
    first_envelope = committed(
        lambda: signing_send(actor=coordinator, revision=first.current_revision, now=NOW)
    )
    api = APIClient()
    api.force_authenticate(coordinator)

    # when it is replaced through the API
    response = committed(
        lambda: api.post(f"/api/v1/agreements/{first.pk}/replace/", {"reason": "岗位变更"}, format="json")
    )

    # then the old signing is closed and the replacement records what it replaces
    assert response.status_code in (200, 201), response.content
    second = Agreement.objects.get(placement=placement, replaces=first)
    _closed(first_envelope)

    # when the replacement is sent and then replaced from the portal
    second_envelope = committed(
        lambda: signing_send(actor=coordinator, revision=second.current_revision, now=NOW)
    )
    client.force_login(coordinator)
    page = committed(lambda: client.post(f"/school/agreements/{second.pk}/replace", {"reason": "导师变更"}))

    # then the portal took the same path: signing closed, replacement linked, one live agreement
    assert page.status_code == 302
    third = Agreement.objects.get(placement=placement, replaces=second)
    _closed(second_envelope)
    assert third.status == AgreementStatus.DRAFT
    assert Agreement.objects.filter(placement=placement).exclude(status=AgreementStatus.VOID).count() == 1


def _fully_signed(cast) -> SigningEnvelope:
    envelope = committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))
    sign_by_link(cast.student.phone, "李小明")
    sign_by_link(cast.guardian.phone, "李建国")
    sign_as_account(cast.hr, "王芳")
    # the school signs last; its seal message goes to the test broker, which no worker reads here
    sign_as_account(cast.coordinator, "陈老师")
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.COMPLETED
    return envelope


def test_a_failed_seal_marks_the_envelope_failed_tells_the_coordinator_once_and_the_sweep_retries_it(
    cast, settings
):
    # given a fully signed envelope and a platform certificate that has gone missing
    envelope = _fully_signed(cast)
    real_certificate = settings.XUETU_SEALING_PKCS12
    settings.XUETU_SEALING_PKCS12 = "/nonexistent/seal.p12"

    # when the seal runs, twice (the sweep's retry)
    codes = [envelope_seal(envelope_id=envelope.pk, now=NOW) for _ in range(2)]

    # then the envelope reads failed with the code, the attempts are counted, the coordinator is told once
    envelope.refresh_from_db()
    assert codes == ["SEALING_NOT_CONFIGURED"] * 2
    assert (envelope.status, envelope.seal_error_code, envelope.seal_attempts) == (
        EnvelopeStatus.SEAL_FAILED,
        "SEALING_NOT_CONFIGURED",
        2,
    )
    notices = Notice.objects.filter(kind="agreement_seal_failed")
    assert [n.recipient_id for n in notices] == [cast.coordinator.pk]
    assert "SEALING_NOT_CONFIGURED" in notices.get().title

    # when the certificate is back and the sweep's time has come
    settings.XUETU_SEALING_PKCS12 = real_certificate
    SigningEnvelope.objects.filter(pk=envelope.pk).update(updated_at=NOW - dt.timedelta(minutes=10))
    assert list(envelopes_awaiting_seal(now=NOW).values_list("pk", flat=True)) == [envelope.pk]
    sha = envelope_seal(envelope_id=envelope.pk, now=NOW)

    # then it is sealed and the failure cleared
    envelope.refresh_from_db()
    assert (envelope.status, envelope.seal_error_code, envelope.sealed.sha256) == (
        EnvelopeStatus.SEALED,
        "",
        sha,
    )


@pytest.fixture
def worker_without_certificate(transactional_db):
    yield from running_worker(
        WorkerProcess(
            queues="documents", concurrency=1, extra_env={"XUETU_SEALING_PKCS12": "/nonexistent.p12"}
        )
    )


@pytest.mark.worker
def test_a_seal_failing_on_a_real_worker_is_recorded_not_lost(worker_without_certificate, cast):
    # given a worker whose platform certificate is missing
    # when every party signs (the seal is sent to that worker)
    envelope = _fully_signed_on_worker(cast)

    # then the envelope reads seal_failed with its code (no exception lost in the worker log)
    wait_for(
        lambda: SigningEnvelope.objects.get(pk=envelope.pk).status == EnvelopeStatus.SEAL_FAILED, timeout=60
    )
    assert SigningEnvelope.objects.get(pk=envelope.pk).seal_error_code == "SEALING_NOT_CONFIGURED"
    assert "documents.signing.seal" in worker_without_certificate.log


def _fully_signed_on_worker(cast) -> SigningEnvelope:
    envelope = committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))
    sign_by_link(cast.student.phone, "李小明")
    sign_by_link(cast.guardian.phone, "李建国")
    sign_as_account(cast.hr, "王芳")
    sign_as_account(cast.coordinator, "陈老师")
    return envelope
