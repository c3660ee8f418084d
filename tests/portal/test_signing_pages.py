"""The signing page through Django's test client: link and account access, page images, isolation."""

import datetime

import pytest
from django.utils import timezone

from backend.signing import sms
from backend.signing.services import signing_send
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.placements import PlacementFactory
from tests.factories.schools import GuardianFactory, birth_date_for_age
from tests.signing.conftest import last_link
from tests.signing.helpers import committed, make_agreement_revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(settings):
    settings.XUETU_SMS_BACKEND = "backend.signing.sms.LocmemSmsBackend"
    sms.outbox.clear()
    start = datetime.date(2026, 9, 1)
    placement = PlacementFactory(
        student__phone="13900001111", student__birth=birth_date_for_age(17, start), start_date=start
    )
    GuardianFactory(student=placement.student, phone="13811112222")
    hr = HrFactory(company=placement.post.company, display_name="王芳", phone="13700001111")
    coordinator = CoordinatorFactory(
        school=placement.pilot.school, display_name="陈老师", phone="13600002222"
    )
    revision = make_agreement_revision(placement, four_party=True)
    envelope = committed(lambda: signing_send(actor=coordinator, revision=revision, now=timezone.now()))
    yield {"envelope": envelope, "hr": hr, "coordinator": coordinator}
    sms.outbox.clear()


def test_the_link_shows_the_agreement_as_page_images_not_a_download(client, sent):
    request_id, token = last_link("13900001111")
    page = client.get(f"/sign/{request_id}/{token}")
    assert page.status_code == 200
    assert list(page.context["pages"]) == [1, 2]
    image = client.get(f"/sign/{request_id}/{token}/page-1.png")
    assert image["Content-Type"] == "image/png" and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(f"/sign/{request_id}/{token}/page-3.png").status_code == 404
    assert b"application/pdf" not in page.content


def test_a_wrong_token_or_another_requests_token_opens_nothing(client, sent):
    request_id, token = last_link("13900001111")
    assert client.get(f"/sign/{request_id}/x{token}").status_code == 404
    assert client.get(f"/sign/{request_id + 1}/{token}").status_code == 404
    assert client.get(f"/sign/{request_id}/x{token}/page-1.png").status_code == 404


def test_hr_cannot_open_the_company_request_before_its_turn_nor_another_companys(client, sent):
    envelope = sent["envelope"]
    company_request = envelope.requests.get(party="company")
    client.force_login(sent["hr"])
    assert (
        client.get(f"/signing/requests/{company_request.pk}").status_code == 404
    )  # student and guardian first
    client.force_login(HrFactory())
    assert client.get(f"/signing/requests/{company_request.pk}").status_code == 404
    assert client.get(f"/signing/requests/{company_request.pk}/page-1.png").status_code == 404


def test_the_student_request_is_not_an_account_page(client, sent):
    student_request = sent["envelope"].requests.get(party="student")
    client.force_login(sent["coordinator"])
    assert client.get(f"/signing/requests/{student_request.pk}").status_code == 404
