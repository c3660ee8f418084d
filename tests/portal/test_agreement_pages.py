"""Agreement pages: the list with signing state, batch progress, downloads, send, void and replace, isolation."""

import io
import zipfile

import pytest

from backend.agreements.models import Agreement, AgreementStatus
from backend.agreements.services import agreement_batch_item_run, agreement_generate
from backend.signing import sms
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.agreements import complete_placement
from tests.signing.helpers import committed

pytestmark = [pytest.mark.django_db, pytest.mark.libreoffice]


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.XUETU_SMS_BACKEND = "backend.signing.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def generated():
    placement = complete_placement()
    coordinator = CoordinatorFactory(
        school=placement.pilot.school, display_name="陈老师", phone="13600002222"
    )
    agreement = agreement_generate(actor=coordinator, placement=placement)
    return placement, coordinator, agreement


def test_coordinator_lists_downloads_and_sends_an_agreement(client, generated):
    placement, coordinator, agreement = generated
    client.force_login(coordinator)
    listing = client.get("/school/agreements/")
    assert [a.pk for a in listing.context["page"]] == [agreement.pk]
    pdf = client.get(f"/school/agreements/{agreement.pk}/pdf")
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content)[:5] == b"%PDF-"
    response = committed(lambda: client.post(f"/school/agreements/{agreement.pk}/send"))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SENT
    detail = client.get(f"/school/agreements/{agreement.pk}/")
    parties = 4 if agreement.kind == "four_party" else 3
    assert detail.context["envelope"].requests.count() == parties
    assert any("/sign/" in m.text for m in sms.outbox)


def test_void_and_replace_gives_a_new_agreement(client, generated):
    placement, coordinator, agreement = generated
    client.force_login(coordinator)
    committed(lambda: client.post(f"/school/agreements/{agreement.pk}/send"))
    response = client.post(f"/school/agreements/{agreement.pk}/replace", {"reason": "岗位变更"})
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.VOID and agreement.void_reason == "岗位变更"
    replacement = Agreement.objects.exclude(pk=agreement.pk).get(placement=placement)
    assert response["Location"] == f"/school/agreements/{replacement.pk}/"
    assert replacement.status == AgreementStatus.DRAFT


def test_void_needs_a_reason(client, generated):
    _, coordinator, agreement = generated
    client.force_login(coordinator)
    client.post(f"/school/agreements/{agreement.pk}/replace", {"reason": " "})
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


def test_batch_progress_and_zip(client, django_capture_on_commit_callbacks):
    # given two complete placements of one cohort
    first = complete_placement()
    complete_placement(pilot=first.pilot, student__cohort=first.student.cohort)
    coordinator = CoordinatorFactory(school=first.pilot.school)
    client.force_login(coordinator)
    # when the coordinator asks for the cohort's agreements (the worker's tasks are not run here)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/school/agreements/batches/new", {"cohort": first.student.cohort.pk})
    batch_url = response["Location"]
    progress = client.get(batch_url, HTTP_HX_REQUEST="true")
    # then the progress partial keeps polling until every item is done
    assert progress.context["progress"]["total"] == 2 and 'hx-trigger="every 1s"' in progress.content.decode()
    for item in progress.context["batch"].items.all():
        agreement_batch_item_run(item_id=item.pk)
    done = client.get(batch_url, HTTP_HX_REQUEST="true")
    assert done.context["progress"]["finished"] and "hx-trigger" not in done.content.decode()
    archive = client.get(batch_url + "zip")
    names = zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)


def test_another_schools_agreement_answers_404(client, generated):
    _, _, agreement = generated
    client.force_login(CoordinatorFactory())
    assert client.get(f"/school/agreements/{agreement.pk}/").status_code == 404
    assert client.get(f"/school/agreements/{agreement.pk}/pdf").status_code == 404
    assert client.post(f"/school/agreements/{agreement.pk}/replace", {"reason": "x"}).status_code == 404
    client.force_login(HrFactory())
    assert client.get(f"/company/agreements/{agreement.pk}/pdf").status_code == 404


def test_hr_sees_the_companys_sent_agreements_and_its_turn(client, generated):
    placement, coordinator, agreement = generated
    client.force_login(coordinator)
    committed(lambda: client.post(f"/school/agreements/{agreement.pk}/send"))
    hr = HrFactory(company=placement.post.company)
    client.force_login(hr)
    page = client.get("/company/agreements/")
    assert [a.pk for a in page.context["page"]] == [agreement.pk]
    assert list(page.context["to_sign"]) == []  # the student (and guardian) sign first
    assert client.get(f"/company/agreements/{agreement.pk}/pdf").status_code == 200
