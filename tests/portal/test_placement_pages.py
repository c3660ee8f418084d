"""The coordinator's path from the dashboard to the school's own signature, and on to an active placement."""

import datetime
import re

import pytest
from django.utils import timezone

from backend.placements.models import InsuranceKind, PlacementStatus
from backend.signing import sms
from backend.signing.models import EnvelopeStatus, RequestStatus
from backend.signing.sealing import agreement_seal
from backend.signing.services import signing_send
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.checklist import checklist_done
from tests.factories.placements import (
    HealthCheckFactory,
    InsurancePolicyFactory,
    PlacementFactory,
    PlacementStageFactory,
)
from tests.factories.schools import GuardianFactory, birth_date_for_age
from tests.signing.conftest import last_code
from tests.signing.helpers import committed, make_agreement_revision, sign_by_link

pytestmark = pytest.mark.django_db
START = datetime.date(2026, 9, 1)


@pytest.fixture
def sent(settings, tmp_path):
    from contracts.sealing import create_dev_certificate

    cert = create_dev_certificate(tmp_path, passphrase="portal-tests")
    settings.XUETU_SMS_BACKEND = "backend.signing.sms.LocmemSmsBackend"
    settings.XUETU_SEALING_PKCS12 = str(cert.pkcs12_path)
    settings.XUETU_SEALING_PASSPHRASE = "portal-tests"
    settings.XUETU_SEALING_TIMESTAMP_URL = ""
    sms.outbox.clear()
    placement = PlacementFactory(
        student__name="李小明",
        student__phone="13900001111",
        student__birth=birth_date_for_age(17, START),
        start_date=START,
    )
    GuardianFactory(student=placement.student, name="李建国", phone="13811112222", is_primary=True)
    checklist_done(placement)
    hr = HrFactory(company=placement.post.company, display_name="王芳", phone="13700001111")
    coordinator = CoordinatorFactory(
        school=placement.pilot.school, display_name="陈老师", phone="13600002222"
    )
    revision = make_agreement_revision(placement, four_party=True)
    envelope = committed(lambda: signing_send(actor=coordinator, revision=revision, now=timezone.now()))
    yield {"placement": placement, "hr": hr, "coordinator": coordinator, "envelope": envelope}
    sms.outbox.clear()


def _inbox_links(client):
    page = client.get("/signing/requests/")
    assert page.status_code == 200
    return re.findall(r'href="(/signing/requests/\d+)"', page.content.decode())


def _sign_from_the_inbox(client, user):
    (link,) = _inbox_links(client)
    assert client.get(link).status_code == 200
    committed(lambda: client.post(f"{link}/code"))
    response = committed(
        lambda: client.post(
            f"{link}/sign", {"code": last_code(user.phone), "typed_name": user.display_name, "agreed": "on"}
        )
    )
    assert response.status_code == 200 and "signing-done" in response.content.decode()


def test_the_coordinator_signs_for_the_school_from_the_inbox_the_dashboard_links_to(client, sent):
    # given the student and the guardian signed by their links
    sign_by_link("13900001111", "李小明")
    sign_by_link("13811112222", "李建国")
    coordinator, hr = sent["coordinator"], sent["hr"]
    # then the school's inbox is still empty (the company signs first) and HR's holds the company's request
    client.force_login(coordinator)
    assert _inbox_links(client) == []
    client.force_login(hr)
    dashboard = client.get("/company/").content.decode()
    assert 'href="/signing/requests/"' in dashboard
    _sign_from_the_inbox(client, hr)
    assert _inbox_links(client) == []
    # when the coordinator opens the dashboard, whose "学校 1" links to the inbox
    client.force_login(coordinator)
    dashboard = client.get("/school/").content.decode()
    assert re.search(r'<a href="/signing/requests/">学校 <strong>1</strong></a>', dashboard), dashboard
    # and signs from it
    _sign_from_the_inbox(client, coordinator)
    # then every party has signed and nothing awaits the school
    envelope = sent["envelope"]
    envelope.refresh_from_db()
    assert envelope.status in (EnvelopeStatus.COMPLETED, EnvelopeStatus.SEALED)
    assert set(envelope.requests.values_list("status", flat=True)) == {RequestStatus.SIGNED}
    assert _inbox_links(client) == []


def test_another_schools_coordinator_sees_nothing_in_the_inbox(client, sent):
    sign_by_link("13900001111", "李小明")
    sign_by_link("13811112222", "李建国")
    client.force_login(HrFactory())
    assert _inbox_links(client) == []
    client.force_login(CoordinatorFactory())
    assert _inbox_links(client) == []
    assert client.get("/signing/requests/").status_code == 200


def test_a_sealed_placement_is_activated_from_the_portal_once_every_gate_passes(client, sent):
    # given an agreement signed by every party and sealed
    from tests.signing.helpers import sign_as_account

    sign_by_link("13900001111", "李小明")
    sign_by_link("13811112222", "李建国")
    sign_as_account(sent["hr"], "王芳")
    sign_as_account(sent["coordinator"], "陈老师")
    assert agreement_seal(envelope_id=sent["envelope"].pk, now=timezone.now()) is not None
    placement = sent["placement"]
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.SIGNING
    client.force_login(sent["coordinator"])
    # when the placement lacks its health check and insurance, the page names the failing gates
    page = client.get(f"/school/placements/{placement.pk}/").content.decode()
    assert 'data-testid="activation"' in page and 'data-testid="not-sealed"' not in page
    assert "健康检查" in page and "保险" in page
    response = client.post(f"/school/placements/{placement.pk}/activate", follow=True)
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.SIGNING
    flashes = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("健康检查：") for m in flashes) and any(m.startswith("保险：") for m in flashes)
    # when the missing facts are recorded, activating succeeds
    HealthCheckFactory(student=placement.student, date=START - datetime.timedelta(days=30))
    for kind in (InsuranceKind.LIABILITY, InsuranceKind.WORK_INJURY):
        InsurancePolicyFactory(placement=placement, kind=kind)
    PlacementStageFactory(placement=placement)
    response = client.post(f"/school/placements/{placement.pk}/activate", follow=True)
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE, [str(m) for m in response.context["messages"]]
    assert placement.events.filter(to_status=PlacementStatus.ACTIVE).count() == 1


def test_an_unsealed_placement_is_not_activated(client, sent):
    placement = sent["placement"]
    client.force_login(sent["coordinator"])
    page = client.get(f"/school/placements/{placement.pk}/").content.decode()
    assert 'data-testid="not-sealed"' in page
    client.post(f"/school/placements/{placement.pk}/activate")
    placement.refresh_from_db()
    assert (
        placement.status == PlacementStatus.SIGNING
        and placement.events.filter(to_status="active").count() == 0
    )
    client.force_login(CoordinatorFactory())
    assert client.post(f"/school/placements/{placement.pk}/activate").status_code == 404


def test_every_number_on_the_school_dashboard_links_to_its_list(client, sent):
    client.force_login(sent["coordinator"])
    html = client.get("/school/").content.decode()
    assert 'href="/school/placements/?status=signing"' in html
    assert 'href="/school/agreements/?awaiting=student"' in html
    listed = client.get("/school/agreements/?awaiting=student")
    assert listed.status_code == 200 and len(listed.context["page"].object_list) == 1
    assert len(client.get("/school/agreements/?awaiting=school").context["page"].object_list) == 0


def test_the_notices_envelope_link_opens_the_agreement_of_ones_own_organisation(client, sent):
    envelope = sent["envelope"]
    client.force_login(sent["coordinator"])
    response = client.get(f"/signing/envelopes/{envelope.pk}")
    assert response.status_code == 302
    assert response["Location"] == f"/school/agreements/{envelope.revision.agreement_id}/"
    client.force_login(sent["hr"])
    assert client.get(f"/signing/envelopes/{envelope.pk}")["Location"] == "/company/agreements/"
    client.force_login(CoordinatorFactory())
    assert client.get(f"/signing/envelopes/{envelope.pk}").status_code == 404
