"""The consent form in the portal: the coordinator sends it for online signing from the bulk page (ticked
placements) and from the placement page, and sees who has signed; the paper form is still recorded on the same
page; the student and the guardian find the request in their inbox and the form under 我的; another school's
coordinator and another student's guardian get 404 for every page and file of it."""

import re

import pytest

from backend.checklist.models import ConsentDocument, ConsentRecord
from backend.signing.models import SigningEnvelope
from tests.checklist.test_consent_document import adult_with_guardian
from tests.factories.accounts import CoordinatorFactory, GuardianUserFactory, StudentUserFactory
from tests.factories.placements import PlacementFactory
from tests.factories.schools import GuardianFactory, StudentFactory
from tests.signing.conftest import sealing_cert, signing_settings  # noqa: F401
from tests.signing.helpers import committed, sign_by_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(db):
    """Two placements of one pilot, each student with a guardian on record, and the school's coordinator."""
    first, guardian, coordinator = adult_with_guardian()
    second = PlacementFactory(
        pilot=first.pilot,
        post=first.post,
        mentor=first.mentor,
        student=StudentFactory(cohort=first.student.cohort),
    )
    GuardianFactory(student=second.student, is_primary=True)
    return first, second, guardian, coordinator


def test_the_coordinator_sends_ticked_placements_for_online_signing_and_sees_who_has_signed(client, two):
    first, second, guardian, coordinator = two
    client.force_login(coordinator)
    url = f"/school/checklist/consent/new?pilot={first.pilot.pk}"
    page = client.get(url).content.decode()
    assert 'data-testid="send-online"' in page and 'data-testid="save"' in page
    # when both are ticked and sent online (no dates needed: that is the paper form's)
    response = committed(
        lambda: client.post(
            url, {"pilot": first.pilot.pk, "placement": [first.pk, second.pk], "action": "send"}
        )
    )
    # then each has its form out, and the page shows it waiting for the student and the guardian
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ConsentDocument.objects.count() == 2 and SigningEnvelope.objects.count() == 2
    assert ConsentRecord.objects.count() == 0
    sign_by_link(first.student.phone, "王小红")
    page = client.get(url).content.decode()
    cell = re.search(rf'data-testid="consent-{first.pk}">(.*?)</td>', page, re.S).group(1)
    assert "签署中" in cell and "已签署：学生" in cell and "待签署：监护人" in cell


def test_the_paper_form_is_still_recorded_on_the_same_page_and_named_as_such(client, two):
    first, _second, _guardian, coordinator = two
    client.force_login(coordinator)
    url = f"/school/checklist/consent/new?pilot={first.pilot.pk}"
    response = client.post(
        url,
        {
            "pilot": first.pilot.pk,
            "placement": [first.pk],
            "action": "record",
            "student_signed_on": "2026-08-20",
            "guardian_signed_on": "2026-08-21",
        },
    )
    assert response.status_code == 302
    assert ConsentRecord.objects.filter(placement=first).exists() and not ConsentDocument.objects.exists()
    panel = client.get(f"/school/placements/{first.pk}/").content.decode()
    assert "纸质知情同意书（现场签署，已登记）" in panel


def test_one_placement_is_sent_from_its_page(client, two):
    first, _second, _guardian, coordinator = two
    client.force_login(coordinator)
    page = client.get(f"/school/placements/{first.pk}/").content.decode()
    assert 'data-testid="consent-send"' in page
    response = committed(lambda: client.post(f"/school/checklist/consent/send/{first.pk}"))
    assert response.status_code == 302
    document = ConsentDocument.objects.get(placement=first)
    page = client.get(f"/school/placements/{first.pk}/").content.decode()
    assert document.number in page and "尚待学生、监护人签署" in page
    assert client.get(f"/checklist/consent-forms/{document.pk}.pdf").status_code == 200


def test_the_guardian_finds_the_request_in_the_inbox_and_opens_the_signing_page(client, two):
    first, _second, guardian, coordinator = two
    parent = GuardianUserFactory(guardian=guardian)
    committed(
        lambda: client.force_login(coordinator) or client.post(f"/school/checklist/consent/send/{first.pk}")
    )
    sign_by_link(
        first.student.phone, "王小红"
    )  # the student first (the pilot's order); then the guardian's turn
    client.force_login(parent)
    home = client.get("/me/").content.decode()
    link = re.search(r'href="(/me/sign/\d+)"', home)
    assert link and "学生实习知情同意书" in home
    assert 'data-testid="my-consents"' in home
    assert 'data-testid="open-signing"' in client.get(link.group(1)).content.decode()
    opened = committed(lambda: client.post(link.group(1)))
    assert opened.status_code == 302 and re.fullmatch(r"/sign/\d+/[A-Za-z0-9_\-]+", opened["Location"])
    page = client.get(opened["Location"])
    assert page.status_code == 200 and "学生实习知情同意书" in page.content.decode()


def test_another_school_and_another_students_guardian_get_404(client, two):
    first, second, guardian, coordinator = two
    client.force_login(coordinator)
    committed(lambda: client.post(f"/school/checklist/consent/send/{first.pk}"))
    document = ConsentDocument.objects.get(placement=first)
    request = document.signing_envelope.requests.get(party="guardian")
    student_request = document.signing_envelope.requests.get(party="student")
    before = (ConsentDocument.objects.count(), SigningEnvelope.objects.count())

    # another school's coordinator: the file, the send, the bulk page's pilot
    client.force_login(CoordinatorFactory())
    assert client.get(f"/checklist/consent-forms/{document.pk}.pdf").status_code == 404
    assert client.post(f"/school/checklist/consent/send/{second.pk}").status_code == 404
    assert client.get(f"/school/checklist/consent/new?pilot={first.pilot.pk}").status_code == 404

    # another student's guardian (and that student): neither the file nor the request
    other = GuardianFactory(student=StudentFactory(), is_primary=True)
    for user in (GuardianUserFactory(guardian=other), StudentUserFactory(student=other.student)):
        client.force_login(user)
        assert client.get(f"/checklist/consent-forms/{document.pk}.pdf").status_code == 404
        assert client.get(f"/me/sign/{request.pk}").status_code == 404
        assert client.post(f"/me/sign/{request.pk}").status_code == 404
        assert client.post(f"/me/sign/{student_request.pk}").status_code == 404
    # the student themself may not open the guardian's request
    client.force_login(StudentUserFactory(student=first.student))
    assert client.post(f"/me/sign/{request.pk}").status_code == 404
    assert client.get(f"/checklist/consent-forms/{document.pk}.pdf").status_code == 200
    assert (ConsentDocument.objects.count(), SigningEnvelope.objects.count()) == before
