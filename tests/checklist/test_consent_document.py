"""The informed-consent form (知情同意书) as its own document: generated from its template with real LibreOffice,
sent to the student and the guardian (every student's guardian, adult or minor) through the existing signing
links, one-time codes and drawn signatures, sealed with pyHanko, verifiable at /verify; the CONSENT gate waits
for the seal; nobody else sees or signs it."""

import datetime as dt

import pytest

from backend.checklist.models import ConsentDocument, ConsentStatus
from backend.checklist.selectors import checklist_items
from backend.checklist.services import consent_documents_send
from backend.core.clock import local_today
from backend.core.errors import ApplicationError
from backend.core.models import AuditEvent
from backend.placements.models import PlacementStatus
from backend.placements.services import placement_transition
from backend.signing import sms
from backend.signing.models import EnvelopeStatus, SignatureRequest, SigningEnvelope
from backend.signing.sealing import agreement_seal, verify_document
from tests.checklist.test_gates import ready_but
from tests.contracts.sealing_support import pdfsig, pdftotext
from tests.factories.accounts import CoordinatorFactory
from tests.factories.placements import PlacementFactory
from tests.factories.schools import GuardianFactory, birth_date_for_age
from tests.signing.conftest import NOW, last_link, sealing_cert, signing_settings  # noqa: F401
from tests.signing.helpers import committed, sign_by_link

pytestmark = pytest.mark.django_db

# A start still to come: a consent sealed today must count (one dated after the start would not: test_dates.py).
START = local_today() + dt.timedelta(days=60)


def adult_with_guardian(placement=None):
    """A 19-year-old's placement (an adult: a three-party agreement, but the consent form still needs the guardian)
    with the guardian on record and the school's coordinator."""
    placement = placement or PlacementFactory(
        student__name="王小红",
        student__birth=birth_date_for_age(19, START),
        start_date=START,
        end_date=START + dt.timedelta(days=365),
    )
    placement.student.name = "王小红"
    placement.student.save(update_fields=["name"])
    guardian = GuardianFactory(student=placement.student, name="王建华", phone="13811113333", is_primary=True)
    coordinator = CoordinatorFactory(
        school=placement.pilot.school, display_name="陈老师", phone="13600002222"
    )
    return placement, guardian, coordinator


def send(coordinator, placements):
    return committed(
        lambda: consent_documents_send(
            actor=coordinator, pilot=placements[0].pilot, placements=placements, now=NOW
        )
    )


def test_the_consent_form_is_signed_by_student_and_guardian_through_links_sealed_and_verifiable(tmp_path):
    # given an adult student's placement with a guardian on record
    placement, guardian, coordinator = adult_with_guardian()

    # when the coordinator sends the consent form for online signing
    (document,) = send(coordinator, [placement])

    # then it is its own document, rendered from the versioned template, out to the student and then the guardian
    assert document.status == ConsentStatus.SENT
    assert document.template_name == "consent_v1.docx" and len(document.template_sha256) == 64
    assert document.pdf.read(4) == b"%PDF"
    envelope = document.signing_envelope
    assert envelope.revision_id is None
    assert [r.party for r in envelope.requests.order_by("position")] == ["student", "guardian"]
    text = "".join(pdftotext(document.pdf.open("rb").read(), tmp_path).split())
    for fact in ("学生实习知情同意书", "王小红", "王建华", placement.post.company.name, "拒绝"):
        assert fact in text, fact

    # when the student and then the guardian sign through their SMS links
    sign_by_link(placement.student.phone, "王小红")
    sign_by_link(guardian.phone, "王建华")

    # then the form is signed, not yet sealed; the placement's status never moved
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.COMPLETED
    document.refresh_from_db()
    assert document.status == ConsentStatus.SIGNED
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.PROPOSED

    # when the documents worker seals it
    sealed = committed(lambda: agreement_seal(envelope_id=envelope.pk, now=NOW))

    # then the form is sealed; the sealed PDF shows both names, pdfsig says valid, /verify knows it
    document.refresh_from_db()
    assert document.status == ConsentStatus.SEALED
    data = sealed.pdf.open("rb").read()
    assert data.startswith(document.pdf.open("rb").read())
    sealed_text = pdftotext(data, tmp_path)
    assert "王小红" in sealed_text and "王建华" in sealed_text
    assert "Signature Validation: Signature is Valid." in pdfsig(data, tmp_path, None)
    answer = verify_document(pdf=data)
    assert answer.valid, answer.reason
    assert answer.agreement["title"] == "学生实习知情同意书"
    assert answer.agreement["reference"] == document.number
    assert [h["signer_name"] for h in answer.history] == ["王小红", "王建华"]
    # and the CONSENT item names the online form as what ticks it
    (item,) = [i for i in checklist_items(placement) if i.code == "CONSENT"]
    assert item.done and document.number in item.message and item.figures == {"via": "online"}


def test_the_consent_gate_refuses_activation_until_the_form_is_sealed_and_passes_after():
    # given a placement ready in every way but the consent, whose form is out and signed by the student only
    placement = ready_but(
        "CONSENT", start_date=START, end_date=START + dt.timedelta(days=180)
    )  # sealed today
    placement, guardian, coordinator = adult_with_guardian(placement)
    (document,) = send(coordinator, [placement])
    sign_by_link(placement.student.phone, placement.student.name)

    # when it is activated, then it is refused with CONSENT, naming the guardian still to sign
    with pytest.raises(ApplicationError) as refused:
        placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)
    assert refused.value.code == "CONSENT"
    assert (
        "尚待监护人签署" in refused.value.message and "the guardian still to sign" in refused.value.message_en
    )

    # when the guardian signs, it is still refused until the seal
    sign_by_link(guardian.phone, "王建华")
    with pytest.raises(ApplicationError) as still:
        placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)
    assert still.value.code == "CONSENT"

    # when it is sealed, the placement is activated
    committed(lambda: agreement_seal(envelope_id=document.signing_envelope.pk, now=NOW))
    placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE


def _written() -> tuple[int, ...]:
    return (
        ConsentDocument.objects.count(),
        SigningEnvelope.objects.count(),
        SignatureRequest.objects.count(),
        AuditEvent.objects.count(),
        len(sms.outbox),
    )


def test_a_student_without_a_guardian_is_refused_in_the_one_error_shape_and_nothing_is_written():
    # given two placements of a pilot, one of whose students has no guardian on record
    placement, _guardian, coordinator = adult_with_guardian()
    orphan = PlacementFactory(
        pilot=placement.pilot, start_date=START, end_date=START + dt.timedelta(days=365)
    )
    before = _written()

    # when the coordinator sends both
    with pytest.raises(ApplicationError) as refused:
        send(coordinator, [placement, orphan])

    # then GUARDIAN_REQUIRED names the student, and nothing at all was written (nor sent)
    assert refused.value.code == "GUARDIAN_REQUIRED"
    assert orphan.student.name in refused.value.message
    assert refused.value.details == {"placements": [orphan.pk]}
    assert _written() == before


def test_a_form_already_out_is_not_sent_twice_and_nothing_is_written():
    placement, _guardian, coordinator = adult_with_guardian()
    send(coordinator, [placement])
    before = _written()
    with pytest.raises(ApplicationError) as refused:
        send(coordinator, [placement])
    assert refused.value.code == "CONSENT_ALREADY_SENT"
    assert _written() == before


def test_another_schools_coordinator_cannot_send_it_and_nothing_is_written():
    placement, _guardian, _coordinator = adult_with_guardian()
    stranger = CoordinatorFactory()
    before = _written()
    with pytest.raises(ApplicationError) as refused:
        send(stranger, [placement])
    assert refused.value.status == 404
    assert _written() == before


def test_a_declined_form_is_void_and_a_new_version_can_be_sent():
    # given a form out for signing
    placement, guardian, coordinator = adult_with_guardian()
    (first,) = send(coordinator, [placement])
    request_id, token = last_link(placement.student.phone)
    from rest_framework.test import APIClient

    from tests.signing.conftest import last_code

    client = APIClient()
    committed(lambda: client.post(f"/api/v1/signing/links/{request_id}/{token}/code/"))
    # when the student declines it
    response = committed(
        lambda: client.post(
            f"/api/v1/signing/links/{request_id}/{token}/decline/",
            {"code": last_code(placement.student.phone), "reason": "不想去这家企业"},
            format="json",
        )
    )
    assert response.status_code == 200, response.content
    # then the form is void, the placement untouched, and the school can send version 2
    first.refresh_from_db()
    assert first.status == ConsentStatus.VOID
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.PROPOSED
    (second,) = send(coordinator, [placement])
    assert second.version == 2 and second.status == ConsentStatus.SENT


def test_a_placement_that_ends_voids_its_open_consent_form_and_its_links():
    from rest_framework.test import APIClient

    from backend.signing.services import signing_close_placement

    # given a form out for signing
    placement, _guardian, coordinator = adult_with_guardian()
    (document,) = send(coordinator, [placement])
    request_id, token = last_link(placement.student.phone)
    # when the placement ends
    closed = committed(
        lambda: signing_close_placement(actor=coordinator, placement=placement, reason="终止", now=NOW)
    )
    # then the form is void and the student's link says so
    assert closed == 1
    document.refresh_from_db()
    assert document.status == ConsentStatus.VOID
    response = APIClient().get(f"/api/v1/signing/links/{request_id}/{token}/")
    assert response.status_code == 410 and response.json()["error"]["code"] == "AGREEMENT_VOIDED"


def test_the_api_sends_forms_and_the_guardian_reads_only_the_own_students():
    from rest_framework.test import APIClient

    from tests.factories.accounts import GuardianUserFactory

    # given two placements of a pilot, each with a guardian
    placement, guardian, coordinator = adult_with_guardian()
    other = PlacementFactory(pilot=placement.pilot, start_date=START, end_date=START + dt.timedelta(days=365))
    GuardianFactory(student=other.student, is_primary=True)
    api = APIClient()
    api.force_authenticate(coordinator)
    # when the coordinator sends both through the API
    response = committed(
        lambda: api.post(
            "/api/v1/consent-documents/send/", {"placements": [placement.pk, other.pk]}, format="json"
        )
    )
    # then both are out, each with its two signers in order
    assert response.status_code == 201, response.content
    assert [s["party"] for s in response.json()[0]["signers"]] == ["student", "guardian"]
    # and the first student's guardian reads that student's form only, and may not send
    parent = APIClient()
    parent.force_authenticate(GuardianUserFactory(guardian=guardian))
    listed = parent.get("/api/v1/consent-documents/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["placement"] for r in rows] == [placement.pk]
    before = ConsentDocument.objects.count()
    refused = parent.post("/api/v1/consent-documents/send/", {"placements": [placement.pk]}, format="json")
    assert refused.status_code == 403 and ConsentDocument.objects.count() == before
