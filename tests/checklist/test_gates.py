"""Each "八个事先" item is a gate: a placement is not activated while it is missing (the refusal names it by its
code), and is activated once the item is recorded."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from backend.checklist.models import HostVisit
from backend.checklist.selectors import checklist_items
from backend.core.errors import ApplicationError
from backend.placements.models import PlacementEvent, PlacementStatus
from backend.placements.services import placement_transition
from backend.rules.codes import CHECKLIST_CODES
from tests.factories.checklist import (
    ConsentRecordFactory,
    FilingFactory,
    HostApprovalFactory,
    HostVisitFactory,
    PilotDocumentFactory,
    ProvinceApprovalFactory,
    SafetyTrainingFactory,
    checklist_done,
)
from tests.factories.placements import HealthCheckFactory, PlacementFactory
from tests.factories.subsidy import insure, seal

pytestmark = pytest.mark.django_db


def ready_but(*codes: str, **placement_fields: Any) -> Any:
    """A sealed, insured, health-checked placement out for signing whose checklist lacks exactly `codes`."""
    placement = PlacementFactory(signing=True, checklist=False, **placement_fields)
    HealthCheckFactory(student=placement.student, date=placement.start_date - datetime.timedelta(days=30))
    insure(placement)
    seal(placement)
    checklist_done(placement, leave_out=codes)
    return placement


ADD: dict[str, Callable[[Any], Any]] = {
    "HOST_VISIT": lambda p: HostVisitFactory(pilot=p.pilot, company=p.post.company),
    "HOST_APPROVED": lambda p: HostApprovalFactory(school=p.pilot.school, company=p.post.company),
    "PLACEMENT_PLAN": lambda p: [
        PilotDocumentFactory(pilot=p.pilot, kind=k) for k in ("internship_plan", "emergency_plan")
    ],
    "CONSENT": lambda p: ConsentRecordFactory(placement=p),
    "FILING": lambda p: FilingFactory(pilot=p.pilot, placements=[p]),
    "SAFETY_TRAINING": lambda p: SafetyTrainingFactory(pilot=p.pilot, attendees=[p]),
    "OUT_OF_PROVINCE": lambda p: ProvinceApprovalFactory(pilot=p.pilot, placements=[p]),
}


def test_every_checklist_code_has_a_gate_here():
    assert set(ADD) == {c.value for c in CHECKLIST_CODES}


@pytest.mark.parametrize("code", sorted(ADD))
def test_a_missing_item_refuses_activation_with_its_code_and_the_item_lets_it_pass(code):
    # given a placement ready in every way but one checklist item
    placement = ready_but(code)
    # when it is activated
    with pytest.raises(ApplicationError) as refused:
        placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)
    # then it is refused with that item's code, and nothing is written
    assert refused.value.code == code
    assert [e["code"] for e in refused.value.details["errors"]] == [code]
    assert refused.value.status == 409
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.SIGNING
    assert PlacementEvent.objects.filter(placement=placement, to_status=PlacementStatus.ACTIVE).count() == 0
    # when the item is recorded, the placement becomes active
    ADD[code](placement)
    placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE


def test_the_refusal_names_every_missing_item_at_once():
    # given a placement with no checklist at all
    placement = ready_but(*ADD)
    # when / then
    with pytest.raises(ApplicationError) as refused:
        placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)
    assert refused.value.code == "GATES_FAILED"
    assert {e["code"] for e in refused.value.details["errors"]} == set(ADD)
    for words in (
        "走访报告",
        "合作企业名单",
        "实习计划",
        "应急预案",
        "知情同意书",
        "备案",
        "安全培训",
        "跨省",
    ):
        assert words in refused.value.message
    assert "visit report" in refused.value.message_en and "another province" in refused.value.message_en


def test_a_visit_by_another_school_does_not_count():
    # given the company was visited, but by another school's pilot
    placement = ready_but("HOST_VISIT")
    HostVisitFactory(company=placement.post.company)  # a pilot of another school
    assert HostVisit.objects.count() == 1
    # when / then
    with pytest.raises(ApplicationError) as refused:
        placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)
    assert refused.value.code == "HOST_VISIT"


def test_a_work_site_in_the_schools_province_needs_no_department_approval():
    # given a Beijing school and a post whose work site is in Beijing
    placement = ready_but("OUT_OF_PROVINCE")
    placement.post.location = "北京市顺义区空港工业区A区"
    placement.post.save(update_fields=["location"])
    # then the item is not on its checklist and activation passes
    assert "OUT_OF_PROVINCE" not in [i.code for i in checklist_items(placement)]
    placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)


def test_the_province_falls_back_to_the_company_address_and_its_credit_code():
    from backend.checklist.provinces import province_of_credit_code, province_of_text

    assert province_of_text("中国广东省深圳市南山区") == "广东省"
    assert province_of_text("内蒙古呼和浩特市") == "内蒙古自治区"
    assert province_of_text("某工业园") is None
    assert province_of_credit_code("91310000MA1FL0XX3C") == "上海市"
    assert province_of_credit_code("short") is None


def test_proposing_is_not_held_up_by_the_checklist():
    # the checklist gates activation only: at proposal its items are neither errors nor warnings
    from backend.rules.selectors import placement_gates_check

    placement = PlacementFactory(checklist=False)
    report = placement_gates_check(placement=placement, stage="propose")
    assert not {r.code for r in report.results} & set(ADD)
