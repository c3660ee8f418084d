"""Change requests: checked by every gate as a new placement would be, refused with nothing written, approved only
by the school."""

import datetime as dt

import pytest

from backend.agreements.models import Agreement
from backend.changes.models import ChangeRequest, ChangeStatus
from backend.changes.services import change_request_approve, change_request_create
from backend.core.errors import ApplicationError
from backend.core.models import AuditEvent
from backend.notices.models import Notice
from backend.placements.models import Placement
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.changes import ChangeRequestFactory
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.placements import PlacementFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)


def _rows() -> tuple[int, int, int, int]:
    return (
        ChangeRequest.objects.count(),
        AuditEvent.objects.count(),
        Agreement.objects.count(),
        Notice.objects.count(),
    )


def test_a_change_of_mentor_to_one_leading_five_apprentices_is_refused_and_nothing_is_written():
    # given: an active placement, and another mentor of the company already leading 5 apprentices
    placement = PlacementFactory(active=True)
    company = placement.post.company
    busy = MentorFactory(company=company)
    for _ in range(5):
        PlacementFactory(active=True, post=PostFactory(company=company), mentor=busy)
    hr = HrFactory(company=company)
    CoordinatorFactory(school=placement.pilot.school)
    before = _rows()

    # when
    with pytest.raises(ApplicationError) as refused:
        change_request_create(actor=hr, placement=placement, reason="原师傅离职", new_mentor=busy)

    # then: refused with the gate's code, and nothing at all was written
    assert refused.value.code == "MENTOR_RATIO"
    assert refused.value.status == 409
    assert _rows() == before
    placement.refresh_from_db()
    assert placement.mentor_id != busy.pk


def test_a_change_of_mentor_to_one_leading_four_is_requested_and_the_school_is_told():
    # given: the other mentor leads 4 (a fifth is allowed)
    placement = PlacementFactory(active=True)
    company = placement.post.company
    mentor = MentorFactory(company=company)
    for _ in range(4):
        PlacementFactory(active=True, post=PostFactory(company=company), mentor=mentor)
    hr = HrFactory(company=company)
    coordinator = CoordinatorFactory(school=placement.pilot.school)

    # when
    change = change_request_create(actor=hr, placement=placement, reason="原师傅离职", new_mentor=mentor)

    # then: requested, the placement unchanged until the supplementary agreement is sealed
    assert change.status == ChangeStatus.REQUESTED
    assert change.old_mentor_id == placement.mentor_id and change.new_mentor_id == mentor.pk
    assert Placement.objects.get(pk=placement.pk).mentor_id == placement.mentor_id
    assert coordinator.notices.filter(kind="change_requested").count() == 1


def test_a_change_of_company_is_refused_with_end_and_create_new():
    # given: a post of another company of the same pilot
    placement = PlacementFactory(active=True)
    other = PostFactory()
    placement.pilot.companies.add(other.company)
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    before = _rows()

    # when
    with pytest.raises(ApplicationError) as refused:
        change_request_create(actor=coordinator, placement=placement, reason="换企业", new_post=other)

    # then
    assert refused.value.code == "CHANGE_COMPANY"
    assert "end this placement and create a new one" in refused.value.message_en
    assert "终止" in refused.value.message
    assert _rows() == before


def test_only_an_active_placement_takes_a_change_request():
    placement = PlacementFactory()  # proposed
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    with pytest.raises(ApplicationError) as refused:
        change_request_create(
            actor=coordinator, placement=placement, reason="x", new_end_date=dt.date(2027, 1, 15)
        )
    assert refused.value.code == "CHANGE_NOT_ACTIVE"


def test_the_company_never_approves_its_own_request_nor_another_school():
    # given: HR asked
    change = ChangeRequestFactory()
    hr = HrFactory(company=change.placement.post.company)
    other_school = CoordinatorFactory()

    # when / then: neither HR nor another school's coordinator may approve; nothing changes
    for actor in (hr, other_school):
        with pytest.raises(ApplicationError) as refused:
            change_request_approve(actor=actor, change=change, as_of=TODAY)
        assert refused.value.code == "FORBIDDEN"
    change.refresh_from_db()
    assert change.status == ChangeStatus.REQUESTED
    assert change.agreement_id is None


def test_a_second_open_change_of_the_same_placement_is_refused():
    change = ChangeRequestFactory()
    coordinator = CoordinatorFactory(school=change.placement.pilot.school)
    with pytest.raises(ApplicationError) as refused:
        change_request_create(
            actor=coordinator, placement=change.placement, reason="x", new_end_date=dt.date(2027, 1, 15)
        )
    assert refused.value.code == "CHANGE_ALREADY_OPEN"
