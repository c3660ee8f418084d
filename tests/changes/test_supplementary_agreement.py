"""The supplementary agreement (补充协议) of a change: generated from its own template with real LibreOffice,
four-party for a 17-year-old, signed by the same parties through the existing signing, sealed with pyHanko,
verifiable, and once sealed the placement takes the change."""

import datetime as dt

import pytest

from backend.agreements.models import AgreementKind, AgreementStatus
from backend.changes.models import ChangeStatus
from backend.changes.services import change_request_approve, change_request_create
from backend.placements.models import PlacementEvent
from backend.signing.models import EnvelopeStatus
from backend.signing.sealing import agreement_seal, verify_document
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.changes import signed_original
from tests.factories.companies import MentorFactory
from tests.factories.placements import PlacementFactory
from tests.factories.schools import GuardianFactory, birth_date_for_age
from tests.signing.conftest import NOW, sms_to
from tests.signing.helpers import committed, sign_as_account, sign_by_link

pytestmark = pytest.mark.django_db(transaction=False)

TODAY = dt.date(2026, 12, 1)


def test_a_seventeen_year_olds_supplement_is_four_party_seals_and_changes_the_mentor():
    # given: an active placement of a 17-year-old with its signed four-party agreement
    start = dt.date(2026, 9, 1)
    placement = PlacementFactory(
        active=True, student__name="李小明", student__birth=birth_date_for_age(17, TODAY), start_date=start
    )
    original = signed_original(placement, four_party=True)
    guardian = GuardianFactory(student=placement.student, name="李建国", phone="13811112222", is_primary=True)
    hr = HrFactory(company=placement.post.company, display_name="王芳", phone="13700001111")
    coordinator = CoordinatorFactory(
        school=placement.pilot.school, display_name="陈老师", phone="13600002222"
    )
    new_mentor = MentorFactory(company=placement.post.company, name="赵师傅")
    old_mentor = placement.mentor

    # when: HR asks, the school approves: the supplement is generated and sent
    change = committed(
        lambda: change_request_create(
            actor=hr, placement=placement, reason="原师傅调往外地", new_mentor=new_mentor
        )
    )
    change = committed(lambda: change_request_approve(actor=coordinator, change=change, as_of=TODAY))

    # then: a four-party supplementary agreement of the original, out for signing to the same four parties
    change.refresh_from_db()
    supplement = change.agreement
    assert change.status == ChangeStatus.SIGNING
    assert supplement.kind == AgreementKind.SUPPLEMENT_FOUR_PARTY
    assert supplement.supplements_id == original.pk
    assert supplement.status == AgreementStatus.SENT
    revision = supplement.revisions.get()
    assert revision.template_version.kind == AgreementKind.SUPPLEMENT_FOUR_PARTY
    assert revision.pdf.read(4) == b"%PDF"
    envelope = revision.signing_envelope
    assert [r.party for r in envelope.requests.order_by("position")] == [
        "student",
        "guardian",
        "company",
        "school",
    ]
    assert placement.mentor_id == old_mentor.pk  # nothing applied before the seal

    # when: every party signs (student and guardian by their SMS links, HR and the school from their inbox)
    sign_by_link(placement.student.phone, "李小明")
    sign_by_link(guardian.phone, "李建国")
    sign_as_account(hr, "王芳")
    sign_as_account(coordinator, "陈老师")
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.COMPLETED
    placement.refresh_from_db()
    assert placement.mentor_id == old_mentor.pk  # signed is not yet sealed

    # when: the documents worker seals it
    sealed = committed(lambda: agreement_seal(envelope_id=envelope.pk, now=NOW))

    # then: sealed and verifiable at /verify like the agreement
    answer = verify_document(pdf=sealed.pdf.read())
    assert answer.valid, answer.reason
    assert answer.agreement["title"] == "现代学徒制学徒培养协议补充协议（四方）"
    assert answer.agreement["reference"] == supplement.number
    # and the placement's mentor is the new one, with the change in its history
    placement.refresh_from_db()
    assert placement.mentor_id == new_mentor.pk
    change.refresh_from_db()
    assert change.status == ChangeStatus.EFFECTIVE
    event = PlacementEvent.objects.filter(placement=placement).order_by("-id").first()
    assert supplement.number in event.note and "赵师傅" in event.note
    assert any("/verify?sha256=" in text for text in sms_to(guardian.phone))
