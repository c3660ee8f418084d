"""Counts that decide (MENTOR_RATIO, POST_CAP, COMPANY_CAP) hold under real concurrency: placements lock the company,
post and mentor rows before the gates count, so 50 parallel requests for the last slot give it to exactly one."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from backend.core.errors import ApplicationError
from backend.placements.models import Placement, PlacementStatus
from backend.placements.services import placement_create
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.placements import PilotProjectFactory, PlacementFactory
from tests.factories.schools import CohortFactory, StudentFactory

ATTEMPTS = 50


def _race(fn, items):
    start = threading.Barrier(len(items))

    def attempt(item):
        try:
            start.wait(timeout=60)  # every thread on its own connection, all at once
            fn(item)
            return "ok"
        except ApplicationError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(attempt, items))


def _students(pilot, n):
    cohort = CohortFactory(program=pilot.program, entry_year=2024)
    return [StudentFactory(cohort=cohort, school=pilot.school) for _ in range(n)]


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_proposals_for_a_mentor_with_room_for_one_more_give_exactly_one():
    # given a mentor who leads four apprentices (the limit is five) on a post and company with plenty of room
    post = PostFactory(staff_on_post=1000, company__staff_count=10_000)
    mentor = MentorFactory(company=post.company, post=post)
    pilot = PilotProjectFactory(companies=[post.company])
    for student in _students(pilot, 4):
        PlacementFactory(pilot=pilot, student=student, post=post, mentor=mentor, active=True)
    students = _students(pilot, ATTEMPTS)

    def propose(student):
        placement_create(
            actor=None,
            pilot=pilot,
            student=student,
            post=post,
            mentor=mentor,
            start_date=PlacementFactory.start_date,
            end_date=PlacementFactory.end_date,
            monthly_pay=PlacementFactory.monthly_pay,
        )

    # when fifty coordinators propose fifty students to that mentor at the same moment
    outcomes = _race(propose, students)
    # then exactly one is proposed, every other answer is the rule's error code
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) == {"ok", "MENTOR_RATIO"}
    assert Placement.objects.filter(mentor=mentor).count() == 5
    assert Placement.objects.filter(mentor=mentor, status=PlacementStatus.PROPOSED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_proposals_never_exceed_the_post_cap():
    # given a post of 10 staff (20%: two interns) with one intern already, and many mentors with room
    post = PostFactory(staff_on_post=10, company__staff_count=10_000)
    pilot = PilotProjectFactory(companies=[post.company])
    PlacementFactory(pilot=pilot, student=_students(pilot, 1)[0], post=post, mentor=None, active=True)
    students = _students(pilot, 20)

    def propose(student):
        placement_create(
            actor=None,
            pilot=pilot,
            student=student,
            post=post,
            mentor=None,
            start_date=PlacementFactory.start_date,
            end_date=PlacementFactory.end_date,
            monthly_pay=PlacementFactory.monthly_pay,
        )

    outcomes = _race(propose, students)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) == {"ok", "POST_CAP"}
    assert Placement.objects.filter(post=post).count() == 2
