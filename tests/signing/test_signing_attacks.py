"""Every attack from the issue, each refused with a clear error and nothing recorded."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from backend.core.errors import ApplicationError
from backend.signing import sms
from backend.signing.models import RequestStatus, Signature, SignatureRequest, SigningEnvelope, SigningLink
from backend.signing.services import (
    Evidence,
    signing_expire,
    signing_resend,
    signing_send,
    signing_sign,
    signing_void,
)
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.signing.conftest import NOW, last_code, last_link, sms_to
from tests.signing.helpers import committed, make_agreement_revision, sign_by_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(cast):
    return committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))


def link_post(request_id, token, action, data=None, client=None):
    client = client or APIClient()
    return committed(
        lambda: client.post(
            f"/api/v1/signing/links/{request_id}/{token}/{action}/", data or {}, format="json"
        )
    )


def error_code(response):
    return response.json()["error"]["code"]


def test_a_used_token_cannot_sign_again(cast, sent):
    # given: the student signed
    request_id, token = last_link(cast.student.phone)
    sign_by_link(cast.student.phone, "李小明")

    # when
    detail = APIClient().get(f"/api/v1/signing/links/{request_id}/{token}/")
    again = link_post(request_id, token, "sign", {"code": "000000", "typed_name": "李小明", "agreed": True})

    # then
    assert (detail.status_code, error_code(detail)) == (410, "LINK_USED")
    assert (again.status_code, error_code(again)) == (410, "LINK_USED")
    assert Signature.objects.filter(request_id=request_id).count() == 1


def test_an_expired_token_is_refused(cast, sent):
    # given
    request_id, token = last_link(cast.student.phone)

    # when: one second after the link's period ends
    with time_machine.travel(NOW + dt.timedelta(days=7, seconds=1)):
        response = APIClient().get(f"/api/v1/signing/links/{request_id}/{token}/")

    # then
    assert (response.status_code, error_code(response)) == (410, "LINK_EXPIRED")
    assert Signature.objects.count() == 0


def test_the_link_still_works_the_second_before_it_expires(cast, sent):
    request_id, token = last_link(cast.student.phone)
    with time_machine.travel(NOW + dt.timedelta(days=7, seconds=-1)):
        response = APIClient().get(f"/api/v1/signing/links/{request_id}/{token}/")
    assert response.status_code == 200


def test_a_token_opens_only_its_own_party_and_agreement(cast, sent):
    # given: the student's token, the guardian's request, and another agreement's request
    request_id, token = last_link(cast.student.phone)
    guardian_request = SignatureRequest.objects.get(envelope=sent, party="guardian")
    other = _another_sent_agreement()
    other_request = other.requests.get(party="student")

    # when
    for target in (guardian_request.pk, other_request.pk):
        response = APIClient().get(f"/api/v1/signing/links/{target}/{token}/")
        signed = link_post(target, token, "sign", {"code": "123456", "typed_name": "李小明", "agreed": True})

        # then
        assert (response.status_code, error_code(response)) == (404, "LINK_INVALID")
        assert (signed.status_code, error_code(signed)) == (404, "LINK_INVALID")
    # and a made-up token
    made_up = APIClient().get(f"/api/v1/signing/links/{request_id}/{'x' * 43}/")
    assert (made_up.status_code, error_code(made_up)) == (404, "LINK_INVALID")
    assert not Signature.objects.exists()


def _another_sent_agreement():
    from tests.factories.placements import PlacementFactory

    placement = PlacementFactory()
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    revision = make_agreement_revision(placement, four_party=False)
    return committed(lambda: signing_send(actor=coordinator, revision=revision, now=NOW))


def test_nobody_signs_out_of_turn(cast, sent):
    # given: it is the student's turn; the guardian, the company and the school wait
    guardian_request = SignatureRequest.objects.get(envelope=sent, party="guardian")
    company_request = SignatureRequest.objects.get(envelope=sent, party="company")
    evidence = Evidence(ip_address="203.0.113.1", user_agent="x")

    # when / then: no link was ever sent to the guardian, and the service refuses the turn
    assert sms_to(cast.guardian.phone) == []
    with pytest.raises(ApplicationError) as refused:
        signing_sign(
            request=guardian_request,
            code="1",
            typed_name="李建国",
            agreed=True,
            evidence=evidence,
            now=NOW,
            token="forged",
        )
    assert refused.value.code == "NOT_YOUR_TURN"
    with pytest.raises(ApplicationError) as refused:
        signing_sign(
            request=company_request,
            code="1",
            typed_name="王芳",
            agreed=True,
            evidence=evidence,
            now=NOW,
            user=cast.hr,
        )
    assert refused.value.code == "NOT_YOUR_TURN"
    # and through the API the company's request does not exist for HR yet
    client = APIClient()
    client.force_authenticate(cast.hr)
    response = client.post(f"/api/v1/signing/requests/{company_request.pk}/sign/", {}, format="json")
    assert response.status_code == 404
    assert not Signature.objects.exists()


def test_wrong_codes_are_limited(cast, sent):
    # given
    request_id, token = last_link(cast.student.phone)
    link_post(request_id, token, "code")
    right = last_code(cast.student.phone)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    # when: five wrong guesses
    answers = [
        link_post(request_id, token, "sign", {"code": wrong, "typed_name": "李小明", "agreed": True})
        for _ in range(5)
    ]
    # then the right code no longer helps
    after = link_post(request_id, token, "sign", {"code": right, "typed_name": "李小明", "agreed": True})

    # then
    assert [error_code(a) for a in answers] == ["CODE_WRONG"] * 5
    assert [a.json()["error"]["details"]["attempts_left"] for a in answers] == [4, 3, 2, 1, 0]
    assert (after.status_code, error_code(after)) == (429, "CODE_LOCKED")
    assert not Signature.objects.exists()


def test_an_expired_code_is_refused(cast, sent):
    request_id, token = last_link(cast.student.phone)
    link_post(request_id, token, "code")
    code = last_code(cast.student.phone)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10, seconds=1)):
        response = link_post(
            request_id, token, "sign", {"code": code, "typed_name": "李小明", "agreed": True}
        )
    assert error_code(response) == "CODE_EXPIRED"
    assert not Signature.objects.exists()


def test_codes_cannot_be_requested_in_a_burst(cast, sent):
    request_id, token = last_link(cast.student.phone)
    first = link_post(request_id, token, "code")
    second = link_post(request_id, token, "code")
    assert first.status_code == 200
    assert (second.status_code, error_code(second)) == (429, "CODE_TOO_SOON")
    assert len([t for t in sms_to(cast.student.phone) if "验证码" in t]) == 1


def test_a_typed_name_that_does_not_match_is_refused(cast, sent):
    # given
    request_id, token = last_link(cast.student.phone)
    link_post(request_id, token, "code")
    code = last_code(cast.student.phone)

    # when
    wrong = link_post(request_id, token, "sign", {"code": code, "typed_name": "李小红", "agreed": True})
    signatures_after_wrong = Signature.objects.count()
    # (full-width spaces and a space between the characters are tolerated)
    right = link_post(
        request_id, token, "sign", {"code": code, "typed_name": " 李 小明\u3000", "agreed": True}
    )

    # then
    assert (wrong.status_code, error_code(wrong)) == (400, "NAME_MISMATCH")
    assert signatures_after_wrong == 0
    assert right.status_code == 201, right.content
    assert Signature.objects.count() == 1


def test_hr_must_type_their_own_name(cast, sent):
    sign_by_link(cast.student.phone, "李小明")
    sign_by_link(cast.guardian.phone, "李建国")
    client = APIClient()
    client.force_authenticate(cast.hr)
    request = SignatureRequest.objects.get(envelope=sent, party="company")
    committed(lambda: client.post(f"/api/v1/signing/requests/{request.pk}/code/"))
    response = client.post(
        f"/api/v1/signing/requests/{request.pk}/sign/",
        {"code": last_code(cast.hr.phone), "typed_name": "陈老师", "agreed": True},
        format="json",
    )
    assert error_code(response) == "NAME_MISMATCH"
    assert Signature.objects.filter(request=request).count() == 0
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_consent_must_be_given(cast, sent):
    request_id, token = last_link(cast.student.phone)
    link_post(request_id, token, "code")
    response = link_post(
        request_id,
        token,
        "sign",
        {"code": last_code(cast.student.phone), "typed_name": "李小明", "agreed": False},
    )
    assert error_code(response) == "CONSENT_REQUIRED"
    assert Signature.objects.filter(request_id=request_id).count() == 0
    assert SignatureRequest.objects.get(pk=request_id).status == RequestStatus.PENDING


def test_a_voided_agreement_cannot_be_signed_and_its_replacement_can(cast, sent):
    # given: the student signed, then the coordinator voids and sends a corrected revision
    sign_by_link(cast.student.phone, "李小明")
    guardian_id, guardian_token = last_link(cast.guardian.phone)
    committed(lambda: signing_void(actor=cast.coordinator, envelope=sent, reason="岗位信息有误", now=NOW))
    replacement = make_agreement_revision(cast.placement, four_party=True, replaces=cast.revision.agreement)
    new_envelope = committed(lambda: signing_send(actor=cast.coordinator, revision=replacement, now=NOW))

    # when: the guardian opens the old link
    old = APIClient().get(f"/api/v1/signing/links/{guardian_id}/{guardian_token}/")

    # then
    assert (old.status_code, error_code(old)) == (410, "AGREEMENT_VOIDED")
    assert "作废" in old.json()["error"]["message"]
    sent.refresh_from_db()
    assert sent.replaced_by == new_envelope
    # the student signs the replacement with the new link
    sign_by_link(cast.student.phone, "李小明")
    assert new_envelope.requests.get(party="student").status == RequestStatus.SIGNED


def make_agreement_revision_next(revision):
    from tests.contracts.sealing_support import agreement_pdf

    return make_agreement_revision(
        revision.agreement.placement,
        four_party=True,
        pdf=agreement_pdf(pages=3),
        agreement=revision.agreement,
    )


def test_a_superseded_revision_cannot_be_signed(cast, sent):
    # given: a newer revision of the same agreement exists
    request_id, token = last_link(cast.student.phone)
    make_agreement_revision_next(cast.revision)

    # when
    response = APIClient().get(f"/api/v1/signing/links/{request_id}/{token}/")

    # then
    assert (response.status_code, error_code(response)) == (410, "REVISION_SUPERSEDED")


def test_an_expired_request_can_be_resent_with_a_new_link(cast, sent):
    # given
    request_id, old_token = last_link(cast.student.phone)
    later = NOW + dt.timedelta(days=8)
    committed(lambda: signing_expire(request_id=request_id, now=later))
    assert cast.coordinator.notices.filter(kind="signing_expired").exists()

    # when
    request = SignatureRequest.objects.get(pk=request_id)
    with time_machine.travel(later):
        committed(lambda: signing_resend(actor=cast.coordinator, request=request, now=later))
        new_id, new_token = last_link(cast.student.phone)
        old = APIClient().get(f"/api/v1/signing/links/{request_id}/{old_token}/")
        new = APIClient().get(f"/api/v1/signing/links/{new_id}/{new_token}/")

    # then
    assert new_token != old_token
    assert old.status_code == 410
    assert new.status_code == 200


def test_only_expired_requests_are_resent(cast, sent):
    request = SignatureRequest.objects.get(envelope=sent, party="student")
    links, messages = SigningLink.objects.count(), len(sms_to(cast.student.phone))
    with pytest.raises(ApplicationError) as refused:
        signing_resend(actor=cast.coordinator, request=request, now=NOW)
    assert refused.value.code == "NOT_EXPIRED"
    assert SigningLink.objects.count() == links
    assert len(sms_to(cast.student.phone)) == messages


# --- isolation -------------------------------------------------------------------------------------------------------


def test_other_tenants_see_nothing(cast, sent):
    # given: a coordinator of another school and HR of another company
    stranger_coordinator = CoordinatorFactory(phone="13500000000")
    stranger_hr = HrFactory(phone="13500000001")
    student_request = SignatureRequest.objects.get(envelope=sent, party="student")
    envelopes, links, messages = SigningEnvelope.objects.count(), SigningLink.objects.count(), len(sms.outbox)

    for user in (stranger_coordinator, stranger_hr):
        client = APIClient()
        client.force_authenticate(user)
        # when / then
        assert client.get("/api/v1/signing/requests/").json() == []
        assert client.get(f"/api/v1/signing/envelopes/{sent.pk}/").status_code == 404
        assert client.post(f"/api/v1/signing/envelopes/{sent.pk}/void/", {"reason": "x"}).status_code == 404
        assert client.post(f"/api/v1/signing/requests/{student_request.pk}/resend/").status_code == 404
        assert client.get(f"/api/v1/signing/envelopes/{sent.pk}/sealed.pdf").status_code == 404
        assert client.post("/api/v1/signing/send/", {"revision": cast.revision.pk}).status_code == 404
    # and nothing was written or sent
    assert (SigningEnvelope.objects.count(), SigningLink.objects.count(), len(sms.outbox)) == (
        envelopes,
        links,
        messages,
    )
    sent.refresh_from_db()
    assert sent.status == "signing"


def test_hr_cannot_send_or_void(cast, sent):
    client = APIClient()
    client.force_authenticate(cast.hr)
    response = client.post(f"/api/v1/signing/envelopes/{sent.pk}/void/", {"reason": "x"})
    assert response.status_code in (403, 404)
    sent.refresh_from_db()
    assert sent.status == "signing"


def test_sending_a_regenerated_revision_closes_the_old_envelope(cast, sent):
    # given: the agreement was regenerated while out for signing (the agreements app puts it back to draft)
    from backend.agreements.models import AgreementStatus

    request_id, token = last_link(cast.student.phone)
    newer = make_agreement_revision_next(cast.revision)
    newer.agreement.status = AgreementStatus.DRAFT
    newer.agreement.save(update_fields=["status"])

    # when
    envelope = committed(lambda: signing_send(actor=cast.coordinator, revision=newer, now=NOW))

    # then: the old envelope is closed, its link says why, the new one is under way
    sent.refresh_from_db()
    assert sent.status == "voided" and sent.replaced_by == envelope
    old = APIClient().get(f"/api/v1/signing/links/{request_id}/{token}/")
    assert old.status_code == 410 and error_code(old) in {"AGREEMENT_VOIDED", "REVISION_SUPERSEDED"}
    assert envelope.requests.get(party="student").status == RequestStatus.PENDING


def test_an_agreement_voided_by_the_agreements_app_kills_the_links(cast, sent):
    from backend.agreements.services import agreement_void

    request_id, token = last_link(cast.student.phone)
    agreement_void(actor=cast.coordinator, agreement=cast.revision.agreement, reason="学生转专业")
    response = APIClient().get(f"/api/v1/signing/links/{request_id}/{token}/")
    assert (response.status_code, error_code(response)) == (410, "AGREEMENT_VOIDED")
