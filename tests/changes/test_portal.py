"""The portal: HR asks for a change from the placement page, the coordinator sees it and decides; another tenant's
change does not exist for anyone else."""

import pytest
from django.test import Client

from backend.changes.models import ChangeRequest, ChangeStatus
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.changes import ChangeRequestFactory
from tests.factories.companies import MentorFactory
from tests.factories.placements import PlacementFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_hr_requests_a_change_of_mentor_from_the_placement_page_and_the_school_sees_it():
    # given
    placement = PlacementFactory(active=True)
    hr = HrFactory(company=placement.post.company)
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    mentor = MentorFactory(company=placement.post.company, name="赵师傅")
    client = _client(hr)

    # when: the placement page offers the form, and HR submits it
    page = client.get(f"/company/placements/{placement.pk}/")
    assert f"/changes/new/{placement.pk}/" in page.content.decode()
    response = client.post(
        f"/changes/new/{placement.pk}/", {"new_mentor": mentor.pk, "reason": "原师傅调岗"}, follow=True
    )

    # then
    change = ChangeRequest.objects.get(placement=placement)
    assert change.status == ChangeStatus.REQUESTED and change.new_mentor_id == mentor.pk
    assert "赵师傅" in response.content.decode()
    assert 'data-testid="approve"' not in response.content.decode()  # HR never approves
    school_page = _client(coordinator).get(f"/changes/{change.pk}/").content.decode()
    assert 'data-testid="approve"' in school_page
    assert f"/changes/{change.pk}/" in _client(coordinator).get("/changes/").content.decode()


def test_the_coordinator_refuses_with_a_reason_and_hr_cannot_approve():
    # given
    change = ChangeRequestFactory()
    coordinator = CoordinatorFactory(school=change.placement.pilot.school)
    hr = HrFactory(company=change.placement.post.company)

    # when
    assert _client(hr).post(f"/changes/{change.pk}/approve").status_code == 403
    _client(coordinator).post(f"/changes/{change.pk}/refuse", {"reason": "师傅资质不足"})

    # then
    change.refresh_from_db()
    assert change.status == ChangeStatus.REFUSED and change.refusal_reason == "师傅资质不足"


def test_another_tenants_change_is_not_found():
    # given: a change of one school and company; the users of another
    change = ChangeRequestFactory()
    other = PlacementFactory(active=True)
    for user in (CoordinatorFactory(school=other.pilot.school), HrFactory(company=other.post.company)):
        client = _client(user)
        # then
        assert client.get(f"/changes/{change.pk}/").status_code == 404
        assert client.get(f"/changes/new/{change.placement.pk}/").status_code == 404
        assert client.post(f"/changes/{change.pk}/withdraw").status_code == 404
        assert f"/changes/{change.pk}/" not in client.get("/changes/").content.decode()
    change.refresh_from_db()
    assert change.status == ChangeStatus.REQUESTED


def test_the_change_form_in_english():
    placement = PlacementFactory(active=True)
    client = _client(CoordinatorFactory(school=placement.pilot.school))
    client.cookies["django_language"] = "en"
    page = client.get(f"/changes/new/{placement.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Request a change" in page and "New mentor" in page
