"""The violations inbox in the portal: HR proposes a resolution (text and evidence file), the coordinator
accepts or rejects it; HR has no resolve button and a posted resolve is refused with nothing written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.rules.models import ResolutionProposal, ViolationStatus
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.rules import ViolationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_memory_files(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.fixture
def violation(placement):
    return ViolationFactory(placement=placement)


def test_hr_sees_a_propose_form_and_no_resolve_button_and_a_posted_resolve_is_refused(client, violation):
    # given
    client.force_login(HrFactory(company=violation.placement.post.company))

    # when
    page = client.get("/company/violations/").content.decode()
    refused = client.post(f"/violations/{violation.pk}/resolve", {"note": "自行关闭"}, HTTP_HX_REQUEST="true")

    # then
    assert 'data-testid="propose-form"' in page and 'data-testid="resolve"' not in page
    assert "违规记录只能由学校" in refused.content.decode()
    violation.refresh_from_db()
    assert (violation.status, violation.note) == (ViolationStatus.OPEN, "")


def test_hr_proposes_with_a_file_and_the_coordinator_accepts_in_the_portal(client, violation):
    # given HR proposes
    hr = HrFactory(company=violation.placement.post.company)
    client.force_login(hr)
    card = client.post(
        f"/violations/{violation.pk}/propose",
        {"text": "已调整排班", "evidence": SimpleUploadedFile("排班.png", b"\x89PNG\r\n\x1a\n evidence")},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    proposal = ResolutionProposal.objects.get()
    assert "已调整排班" in card and 'data-testid="propose-form"' not in card  # one proposal at a time
    assert 'data-testid="accept"' not in card

    # when the coordinator opens the inbox and accepts
    coordinator = CoordinatorFactory(school=violation.placement.pilot.school)
    client.force_login(coordinator)
    inbox = client.get("/school/violations/").content.decode()
    evidence = client.get(f"/violations/evidence/{proposal.pk}/")
    accepted = client.post(
        f"/violations/{violation.pk}/accept", {"proposal": proposal.pk}, HTTP_HX_REQUEST="true"
    )

    # then
    assert 'data-testid="accept"' in inbox and 'data-testid="reject"' in inbox
    assert b"".join(evidence.streaming_content) == b"\x89PNG\r\n\x1a\n evidence"
    assert accepted.status_code == 200
    violation.refresh_from_db()
    assert (violation.status, violation.resolved_by_id) == (ViolationStatus.RESOLVED, coordinator.pk)
    # and another company's HR does not get the evidence
    client.force_login(HrFactory())
    assert client.get(f"/violations/evidence/{proposal.pk}/").status_code == 404


def test_the_coordinator_rejects_with_a_reason_in_the_portal(client, violation):
    proposal = ResolutionProposal.objects.create(violation=violation, text="已整改")
    client.force_login(CoordinatorFactory(school=violation.placement.pilot.school))
    without = client.post(
        f"/violations/{violation.pk}/reject", {"proposal": proposal.pk, "reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert "请说明驳回理由" in without.content.decode()
    card = client.post(
        f"/violations/{violation.pk}/reject",
        {"proposal": proposal.pk, "reason": "缺少排班表"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "rejected" and "缺少排班表" in card
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.OPEN
