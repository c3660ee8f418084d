"""Two coordinators placing one student by hand at the same moment: the student's row is locked before the check
for a live placement, so exactly one placement is written and the other is refused as STUDENT_PLACED."""

from decimal import Decimal

import pytest

from backend.placements.models import Placement
from backend.placements.services import placement_create_manual
from tests.factories.companies import MentorFactory, PostFactory
from tests.placements.manual_world import manual_world
from tests.placements.test_concurrency import _race
from tests.placements.test_manual import END, START

ATTEMPTS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_manual_placements_of_one_student_give_exactly_one():
    # given one student and eight posts with room, each with its mentor
    world = manual_world()
    slots = []
    for _ in range(ATTEMPTS):
        post = PostFactory(company=world["post"].company, staff_on_post=50)
        slots.append((post, MentorFactory(company=post.company, post=post)))

    def place(slot):
        post, mentor = slot
        placement_create_manual(
            actor=world["coordinator"],
            student=world["student"],
            post=post,
            mentor=mentor,
            start_date=START,
            end_date=END,
            monthly_pay=Decimal("4200.00"),
        )

    # when eight requests place the student on eight posts at once
    outcomes = _race(place, slots)
    # then one is written and every other is refused by the rule
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) == {"ok", "STUDENT_PLACED"}
    assert Placement.objects.filter(student=world["student"]).count() == 1
