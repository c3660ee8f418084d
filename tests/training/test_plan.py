"""The training plan: proposed by the school, in force once every company of the pilot approved, versioned."""

import datetime

import pytest

from backend.core.errors import ApplicationError
from backend.training import services
from backend.training.models import PlanApproval, PlanStatus, TrainingEnrolment, TrainingPlan
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.companies import CompanyFactory, PostFactory
from tests.factories.placements import PilotProjectFactory, PlacementFactory
from tests.factories.training import approved_plan, plan_content

pytestmark = pytest.mark.django_db


def _two_company_pilot():
    a, b = CompanyFactory(), CompanyFactory()
    pilot = PilotProjectFactory(companies=[a, b])
    return pilot, PostFactory(company=a), PostFactory(company=b)


def test_a_plan_is_in_force_only_once_every_company_of_the_pilot_approved():
    # given a pilot with two companies and the plan its coordinator proposes
    pilot, post_a, post_b = _two_company_pilot()
    coordinator = CoordinatorFactory(school=pilot.school)
    plan = services.training_plan_propose(
        pilot=pilot,
        actor=coordinator,
        title="数控专业人才培养方案",
        valid_from=datetime.date(2026, 1, 1),
        **plan_content([post_a, post_b]),
    )
    assert plan.version == 1 and plan.status == PlanStatus.PROPOSED
    assert plan.stages.count() == 2 and plan.rotation.count() == 2
    assert sorted(plan.scheme.parties.values_list("party", flat=True)) == ["company", "mentor", "teacher"]
    # when the first company approves
    services.training_plan_approve(plan=plan, actor=HrFactory(company=post_a.company))
    # then it is not yet in force
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PROPOSED
    # when the second company approves, it is, with one recorded approval per company
    services.training_plan_approve(plan=plan, actor=HrFactory(company=post_b.company))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.approved_at is not None
    assert set(PlanApproval.objects.filter(plan=plan).values_list("company_id", flat=True)) == {
        post_a.company_id,
        post_b.company_id,
    }


def test_only_the_pilot_school_proposes_and_only_the_pilot_companies_approve():
    pilot, post_a, post_b = _two_company_pilot()
    with pytest.raises(ApplicationError) as exc:
        services.training_plan_propose(
            pilot=pilot,
            actor=CoordinatorFactory(),  # another school
            title="x",
            valid_from=datetime.date(2026, 1, 1),
            **plan_content([post_a]),
        )
    assert exc.value.status == 403
    assert TrainingPlan.objects.count() == 0
    plan = services.training_plan_propose(
        pilot=pilot, actor=None, title="x", valid_from=datetime.date(2026, 1, 1), **plan_content([post_a])
    )
    with pytest.raises(ApplicationError) as exc:
        services.training_plan_approve(plan=plan, actor=HrFactory())  # a company outside the pilot
    assert exc.value.status == 403
    assert PlanApproval.objects.count() == 0


def test_weights_must_add_up_to_one_and_posts_belong_to_the_pilot():
    pilot, post_a, _ = _two_company_pilot()
    content = plan_content([post_a])
    content["scheme"]["parties"][0]["weight"] = "0.5"
    with pytest.raises(ApplicationError) as exc:
        services.training_plan_propose(
            pilot=pilot, actor=None, title="x", valid_from=datetime.date(2026, 1, 1), **content
        )
    assert exc.value.code == "TRAINING_PLAN_INVALID"
    with pytest.raises(ApplicationError):
        services.training_plan_propose(
            pilot=pilot,
            actor=None,
            title="x",
            valid_from=datetime.date(2026, 1, 1),
            **plan_content([PostFactory()]),
        )
    assert TrainingPlan.objects.count() == 0


def test_a_new_version_leaves_apprentices_who_started_on_the_version_they_started_under():
    # given version 1 in force and an apprentice who started under it
    pilot, post_a, _ = _two_company_pilot()
    v1 = approved_plan(pilot, [post_a], valid_from=datetime.date(2026, 1, 1))
    early = PlacementFactory(pilot=pilot, post=post_a, active=True, start_date=datetime.date(2026, 9, 1))
    late = PlacementFactory(
        pilot=pilot,
        post=post_a,
        active=True,
        start_date=datetime.date(2027, 3, 1),
        end_date=datetime.date(2027, 8, 31),
    )
    # when version 2 (three competencies per post) comes into force from 2027
    v2 = approved_plan(pilot, [post_a], valid_from=datetime.date(2027, 1, 1), competencies=3)
    # then the early apprentice stays on version 1, the one starting in 2027 is on version 2
    assert v2.version == 2
    assert TrainingEnrolment.objects.get(placement=early).plan == v1
    assert services.enrolment_ensure(late).plan == v2
    # and version 1 itself is unchanged
    assert v1.post_standards.get().competencies.count() == 2


def test_a_new_version_cannot_be_backdated_before_an_earlier_one():
    pilot, post_a, _ = _two_company_pilot()
    approved_plan(pilot, [post_a], valid_from=datetime.date(2026, 9, 1))
    with pytest.raises(ApplicationError) as exc:
        approved_plan(pilot, [post_a], valid_from=datetime.date(2026, 8, 1))
    assert exc.value.code == "TRAINING_PLAN_VALID_FROM"
    assert TrainingPlan.objects.count() == 1
