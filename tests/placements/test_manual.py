"""A placement by hand (placement_create_manual) and a proposed one adjusted (placement_adjust): the same gates as
the matching's acceptance, each refusal by its rule code, nothing written on a refusal."""

import datetime
from decimal import Decimal

import pytest

from backend.core.errors import ApplicationError
from backend.placements.models import Placement, PlacementEvent, PlacementStatus
from backend.placements.services import (
    MANUAL_ADJUSTED,
    MANUAL_CREATED,
    placement_adjust,
    placement_create_manual,
)
from tests.factories.agreements import agreement_rows
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.placements import PlacementFactory, PlacementStageFactory
from tests.factories.schools import StudentFactory, birth_date_for_age
from tests.placements.manual_world import give_apprentices, manual_world

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 9, 1)
END = datetime.date(2027, 1, 31)


@pytest.fixture
def world():
    return manual_world()


def _create(world, **overrides):
    data = {
        "actor": world["coordinator"],
        "student": world["student"],
        "post": world["post"],
        "mentor": world["mentor"],
        "start_date": START,
        "end_date": END,
        "monthly_pay": Decimal("4200.00"),
        **overrides,
    }
    return placement_create_manual(**data)


def _counts():
    return Placement.objects.count(), PlacementEvent.objects.count()


def _refused(world, code, **overrides):
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        _create(world, **overrides)
    assert _counts() == before  # nothing written
    codes = {exc.value.code} | {e["code"] for e in (exc.value.details or {}).get("errors", [])}
    assert code in codes, (exc.value.code, exc.value.details)
    return exc.value


def test_created_by_hand_is_proposed_in_the_pilot_with_the_event_by_its_user(world):
    # when the coordinator places the student by hand
    placement = _create(world)
    # then it is proposed in the pilot that joins the student's program and the post's company
    assert placement.status == PlacementStatus.PROPOSED
    assert placement.pilot == world["pilot"]
    event = placement.events.get()
    assert (event.to_status, event.note, event.actor) == (
        PlacementStatus.PROPOSED,
        MANUAL_CREATED,
        world["coordinator"],
    )


def test_under_sixteen_on_the_start_date_is_refused(world):
    young = StudentFactory(cohort=world["cohort"], birth=birth_date_for_age(15, START))
    _refused(world, "AGE_MIN", student=young)


def test_a_mentor_with_five_apprentices_is_refused(world):
    give_apprentices(world, world["mentor"], active=True)
    _refused(world, "MENTOR_RATIO")


def test_a_full_post_is_refused(world):
    # given a post of 5 staff (20%: one intern) that has its intern
    post = PostFactory(company=world["post"].company, staff_on_post=5)
    PlacementFactory(pilot=world["pilot"], post=post, mentor=None, student__cohort=world["cohort"])
    _refused(world, "POST_CAP", post=post, mentor=MentorFactory(company=post.company, post=post))


def test_a_student_already_placed_is_refused(world):
    PlacementFactory(
        pilot=world["pilot"], post=world["post"], mentor=world["mentor"], student=world["student"]
    )
    _refused(world, "STUDENT_PLACED")


def test_another_schools_student_is_refused(world):
    other = StudentFactory()  # another school's program and cohort
    _refused(world, "STUDENT_OTHER_SCHOOL", student=other)


def test_another_companys_mentor_is_refused(world):
    other_post = PostFactory()
    world["pilot"].companies.add(other_post.company)
    stranger = MentorFactory(company=other_post.company, post=other_post)
    _refused(world, "MENTOR_OTHER_COMPANY", mentor=stranger)


def test_a_post_outside_the_students_pilots_is_refused(world):
    _refused(world, "POST_NOT_IN_PILOT", post=PostFactory(), mentor=None)


def test_several_failing_gates_are_named_each(world):
    young = StudentFactory(cohort=world["cohort"], birth=birth_date_for_age(15, START))
    post = PostFactory(company=world["post"].company, staff_on_post=4)  # 20% of 4: no intern at all
    error = _refused(world, "AGE_MIN", student=young, post=post, mentor=None)
    assert error.code == "GATES_FAILED"
    assert {e["code"] for e in error.details["errors"]} >= {"AGE_MIN", "POST_CAP"}


# -- adjusting a proposed placement --------------------------------------------------------------------------------


def test_a_proposed_placement_is_adjusted_to_another_post_and_mentor_with_an_event(world):
    placement = _create(world)
    post = PostFactory(company=world["post"].company, staff_on_post=50)
    mentor = MentorFactory(company=post.company, post=post)
    # when the coordinator moves it to another post, mentor and dates
    placement_adjust(
        actor=world["coordinator"],
        placement=placement,
        post=post,
        mentor=mentor,
        start_date=START + datetime.timedelta(days=14),
        end_date=END,
        monthly_pay=Decimal("4300.00"),
    )
    placement.refresh_from_db()
    assert (placement.post, placement.mentor, placement.start_date) == (
        post,
        mentor,
        START + datetime.timedelta(days=14),
    )
    assert list(placement.events.values_list("note", flat=True)) == [MANUAL_CREATED, MANUAL_ADJUSTED]


def test_an_adjustment_to_a_full_mentor_is_refused_and_nothing_changes(world):
    placement = _create(world)
    full = MentorFactory(company=world["post"].company, post=world["post"])
    give_apprentices(world, full)
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        placement_adjust(
            actor=world["coordinator"],
            placement=placement,
            post=world["post"],
            mentor=full,
            start_date=START,
            end_date=END,
            monthly_pay=Decimal("4200.00"),
        )
    assert exc.value.code == "MENTOR_RATIO"
    placement.refresh_from_db()
    assert placement.mentor == world["mentor"] and _counts() == before


def test_stages_outside_new_dates_are_refused_unless_dropped(world):
    placement = _create(world)
    PlacementStageFactory(
        placement=placement, company_start=START, company_end=START + datetime.timedelta(30)
    )
    later = {"start_date": START + datetime.timedelta(days=60), "end_date": END}
    args = {"actor": world["coordinator"], "placement": placement, "post": world["post"]}
    args |= {"mentor": world["mentor"], "monthly_pay": Decimal("4200.00"), **later}
    with pytest.raises(ApplicationError) as exc:
        placement_adjust(**args)
    assert exc.value.code == "STAGE_OUTSIDE_PLACEMENT" and placement.stages.count() == 1
    placement_adjust(**args, drop_stages_outside=True)
    assert placement.stages.count() == 0


def test_no_adjustment_once_the_agreement_is_generated_or_the_placement_is_out_for_signing(world):
    placement = _create(world)
    agreement_rows(placement, tag="MAN", status="draft", template_number=901)
    args = {"actor": world["coordinator"], "post": world["post"], "mentor": None}
    args |= {"start_date": START, "end_date": END, "monthly_pay": Decimal("4200.00")}
    with pytest.raises(ApplicationError) as exc:
        placement_adjust(placement=placement, **args)
    assert exc.value.code == "PLACEMENT_HAS_AGREEMENT"
    signing = PlacementFactory(signing=True, checklist=False)
    with pytest.raises(ApplicationError) as exc:
        placement_adjust(placement=signing, **{**args, "post": signing.post})
    assert exc.value.code == "PLACEMENT_LOCKED"
    placement.refresh_from_db()
    assert placement.mentor == world["mentor"]
