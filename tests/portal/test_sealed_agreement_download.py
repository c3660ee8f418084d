"""The student and the guardian download the sealed agreement they signed, from their own placement page only."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from backend.signing.models import SealedAgreement
from tests.factories.accounts import GuardianUserFactory, MentorUserFactory, StudentUserFactory
from tests.factories.placements import PlacementFactory
from tests.factories.schools import GuardianFactory
from tests.factories.subsidy import seal

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7 sealed agreement bytes"


def _sealed_placement():
    placement = PlacementFactory(active=True)
    seal(placement)
    sealed = SealedAgreement.objects.get(envelope__revision__agreement__placement=placement)
    sealed.pdf.name = default_storage.save(f"agreements/sealed/test-{placement.pk}.pdf", ContentFile(PDF))
    sealed.save(update_fields=["pdf"])
    return placement, sealed


def _url(placement, sealed):
    return f"/me/placements/{placement.pk}/sealed/{sealed.pk}.pdf"


def test_the_student_finds_and_downloads_the_sealed_agreement_on_the_placement_page(client):
    # given a student whose agreement is sealed
    placement, sealed = _sealed_placement()
    client.force_login(StudentUserFactory(student=placement.student))
    # when the student opens the placement page and follows the link
    page = client.get(f"/me/placements/{placement.pk}/")
    response = client.get(_url(placement, sealed))
    # then the link is there and gives the sealed bytes as a named attachment
    assert _url(placement, sealed) in page.content.decode()
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert f"{sealed.envelope.revision.agreement.number}-sealed.pdf" in response["Content-Disposition"]


def test_the_guardian_downloads_the_wards_sealed_agreement(client):
    placement, sealed = _sealed_placement()
    client.force_login(GuardianUserFactory(guardian=GuardianFactory(student=placement.student)))
    response = client.get(_url(placement, sealed))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_nobody_else_downloads_it(client):
    # given a sealed agreement and people who are not its student or guardian
    placement, sealed = _sealed_placement()
    other_placement, _ = _sealed_placement()
    outsiders = [
        StudentUserFactory(student=other_placement.student),
        GuardianUserFactory(guardian=GuardianFactory(student=other_placement.student)),
    ]
    for user in outsiders:
        client.force_login(user)
        # when they ask for it, under its placement or under their own
        # then it is not found
        assert client.get(_url(placement, sealed)).status_code == 404
        assert client.get(_url(other_placement, sealed)).status_code == 404


def test_the_mentor_is_no_party_and_gets_no_link(client):
    placement, sealed = _sealed_placement()
    mentor_user = MentorUserFactory()
    placement.mentor = mentor_user.mentor
    placement.save(update_fields=["mentor"])
    client.force_login(mentor_user)
    page = client.get(f"/me/placements/{placement.pk}/")
    assert page.status_code == 200
    assert 'data-testid="sealed-agreements"' not in page.content.decode()
    assert client.get(_url(placement, sealed)).status_code == 404
