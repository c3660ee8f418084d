"""Checklist dates against the placement's start: a visit, the consent's signatures, the filing, the safety training
and the department's approval dated after the start (or in the future) are refused at entry with the item's rule code
and nothing is written; an item that is late all the same (recorded before the start moved) does not count, and the
activation gate names it with its date."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from backend.checklist import services
from backend.checklist.models import ConsentRecord, Filing, HostVisit, ProvinceApproval, SafetyTraining
from backend.core.errors import ApplicationError
from backend.core.models import AuditEvent
from backend.placements.models import PlacementStatus
from backend.placements.services import placement_transition
from tests.checklist.test_gates import ready_but
from tests.factories.accounts import CoordinatorFactory
from tests.factories.checklist import (
    ConsentRecordFactory,
    FilingFactory,
    HostVisitFactory,
    ProvinceApprovalFactory,
    SafetyTrainingFactory,
)
from tests.factories.placements import PlacementFactory

pytestmark = pytest.mark.django_db
START = datetime.date(2026, 9, 1)  # the factories' start date
DAY = datetime.timedelta(days=1)
TODAY = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def _recorder(service, **fixed):
    """Record one item for the placement through its service, dated `day` in the field `date_field`."""
    date_field = fixed.pop("date_field")

    def record(actor, placement, day):
        return service(
            actor=actor, pilot=placement.pilot, placements=[placement], **fixed, **{date_field: day}
        )

    return record


EARLIER = START - 20 * DAY
_filing = _recorder(
    services.filing_create, date_field="filed_on", reference="教职备〔2026〕1号", authority="区教育委员会"
)
_training = _recorder(
    services.safety_training_create, date_field="held_on", hours=Decimal("4.0"), content="安全生产法规"
)
_province = _recorder(
    services.province_approval_create,
    date_field="approved_on",
    department="省教育厅",
    reference="教职批〔2026〕1号",
)
_student_consent = _recorder(
    services.consents_record,
    date_field="student_signed_on",
    guardian_signed_on=EARLIER,
    guardian_name="李建国",
)
_guardian_consent = _recorder(
    services.consents_record,
    date_field="guardian_signed_on",
    student_signed_on=EARLIER,
    guardian_name="李建国",
)


ENTRIES = {
    "FILING": (_filing, Filing),
    "SAFETY_TRAINING": (_training, SafetyTraining),
    "OUT_OF_PROVINCE": (_province, ProvinceApproval),
    "CONSENT/student": (_student_consent, ConsentRecord),
    "CONSENT/guardian": (_guardian_consent, ConsentRecord),
}


@pytest.mark.parametrize("entry", sorted(ENTRIES))
@pytest.mark.parametrize("offset", [-1, 0])
def test_an_item_dated_the_day_before_or_the_day_of_the_start_is_recorded(clock, entry, offset):
    # given
    placement = PlacementFactory(checklist=False)
    actor = CoordinatorFactory(school=placement.pilot.school)
    record, model = ENTRIES[entry]
    # when
    record(actor, placement, START + offset * DAY)
    # then
    assert model.objects.count() == 1


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_an_item_dated_the_day_after_the_start_is_refused_with_its_code_and_nothing_is_written(clock, entry):
    # given
    placement = PlacementFactory(checklist=False)
    actor = CoordinatorFactory(school=placement.pilot.school)
    record, model = ENTRIES[entry]
    rows, events = model.objects.count(), AuditEvent.objects.count()
    # when
    with pytest.raises(ApplicationError) as refused:
        record(actor, placement, START + DAY)
    # then
    assert refused.value.code == entry.split("/")[0]
    assert refused.value.status == 400
    assert "2026-09-02" in refused.value.message and "2026-09-01" in refused.value.message
    assert placement.student.name in refused.value.message
    assert "after the start" in refused.value.message_en
    assert refused.value.details["placements"] == [{"id": placement.pk, "start_date": "2026-09-01"}]
    assert (model.objects.count(), AuditEvent.objects.count()) == (rows, events)


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_an_item_dated_in_the_future_is_refused_even_before_the_start(entry):
    # given today is 20 August, the placement starts on 1 September
    placement = PlacementFactory(checklist=False)
    actor = CoordinatorFactory(school=placement.pilot.school)
    record, model = ENTRIES[entry]
    rows = model.objects.count()
    with time_machine.travel(datetime.datetime(2026, 8, 20, 9, 0, tzinfo=datetime.UTC), tick=False):
        # when it is dated tomorrow
        with pytest.raises(ApplicationError) as refused:
            record(actor, placement, datetime.date(2026, 8, 21))
        # then it is refused, and today itself is fine
        assert refused.value.code == entry.split("/")[0]
        assert "不能晚于今天" in refused.value.message and "future" in refused.value.message_en
        assert model.objects.count() == rows
        record(actor, placement, datetime.date(2026, 8, 20))
    assert model.objects.count() == rows + 1


def _visit(actor, placement, day):
    return services.host_visit_create(
        actor=actor,
        pilot=placement.pilot,
        company=placement.post.company,
        visited_on=day,
        visitors="李明老师",
        findings_safety="制度健全",
        findings_posts="岗位对口",
        findings_lodging="四人一间",
    )


@pytest.mark.parametrize(("offset", "refused"), [(-1, False), (0, False), (1, True)])
def test_a_first_visit_after_the_start_of_a_waiting_placement_is_refused(clock, offset, refused):
    # given a proposed placement at a company the school has not visited
    placement = PlacementFactory(checklist=False)
    actor = CoordinatorFactory(school=placement.pilot.school)
    placement.pilot.companies.add(placement.post.company)
    # when the visit is recorded
    if refused:
        with pytest.raises(ApplicationError) as error:
            _visit(actor, placement, START + offset * DAY)
        # then a visit the day after the start is refused, naming the placement
        assert error.value.code == "HOST_VISIT"
        assert placement.student.name in error.value.message
        assert HostVisit.objects.count() == 0
    else:
        _visit(actor, placement, START + offset * DAY)
        assert HostVisit.objects.count() == 1


def test_a_later_visit_of_a_company_already_visited_in_time_is_recorded(clock):
    # given the company was visited before the start
    placement = PlacementFactory(checklist=False)
    actor = CoordinatorFactory(school=placement.pilot.school)
    placement.pilot.companies.add(placement.post.company)
    _visit(actor, placement, START - 30 * DAY)
    # when the school visits again after the start (a follow-up visit)
    _visit(actor, placement, START + 10 * DAY)
    # then both are on record
    assert HostVisit.objects.count() == 2


LATE = {
    "HOST_VISIT": lambda p, day: HostVisitFactory(pilot=p.pilot, company=p.post.company, visited_on=day),
    "CONSENT": lambda p, day: ConsentRecordFactory(
        placement=p, student_signed_on=START - DAY, guardian_signed_on=day
    ),
    "FILING": lambda p, day: FilingFactory(pilot=p.pilot, placements=[p], filed_on=day),
    "SAFETY_TRAINING": lambda p, day: SafetyTrainingFactory(pilot=p.pilot, attendees=[p], held_on=day),
    "OUT_OF_PROVINCE": lambda p, day: ProvinceApprovalFactory(pilot=p.pilot, placements=[p], approved_on=day),
}


@pytest.mark.parametrize("code", sorted(LATE))
def test_the_activation_gate_names_the_item_dated_after_the_start(code):
    # given a placement ready but for one item, which is on record dated the day after the start
    placement = ready_but(code)
    LATE[code](placement, START + DAY)
    # when it is activated
    with pytest.raises(ApplicationError) as refused:
        placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)
    # then the gate refuses with the item's code and says which date is after the start
    assert refused.value.code == code
    [error] = refused.value.details["errors"]
    assert error["code"] == code
    assert "2026-09-02" in refused.value.message and "晚于实习开始日期（2026-09-01）" in refused.value.message
    assert "after the placement's start on 2026-09-01" in refused.value.message_en
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.SIGNING


@pytest.mark.parametrize("code", sorted(LATE))
def test_an_item_dated_the_day_of_the_start_lets_the_placement_pass(code):
    # given the item dated the very day the placement starts
    placement = ready_but(code)
    LATE[code](placement, START)
    # when / then
    placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE


def test_the_bulk_page_shows_the_refusal_and_writes_nothing(client, clock):
    # given a coordinator on the filing page of a placement starting on 1 September
    placement = PlacementFactory(checklist=False)
    client.force_login(CoordinatorFactory(school=placement.pilot.school))
    rows = Filing.objects.count()
    # when the filing is dated the day after the start
    response = client.post(
        "/school/checklist/filing/new",
        {
            "pilot": placement.pilot.pk,
            "placement": [placement.pk],
            "reference": "教职备〔2026〕9号",
            "filed_on": "2026-09-02",
            "authority": "区教委",
        },
        follow=True,
    )
    # then the page says why, with the dates, and nothing is written
    text = response.content.decode()
    assert response.status_code == 200
    assert "备案日期（2026-09-02）晚于以下学徒的实习开始日期" in text and "2026-09-01" in text
    assert Filing.objects.count() == rows
