"""The coordinator's overview per class and per teacher: the right figures, in a constant number of queries."""

import datetime as dt

import pytest

from backend.journals import selectors, services
from backend.journals.models import JournalRule
from tests.factories.accounts import CoordinatorFactory
from tests.factories.attendance import TeacherFactory
from tests.factories.placements import PilotProjectFactory
from tests.factories.schools import CohortFactory

from .conftest import MONDAY, make_apprentice

pytestmark = pytest.mark.django_db

ON_TIME = dt.datetime(2026, 10, 18, 12, 0, tzinfo=dt.UTC)
LATE = dt.datetime(2026, 10, 21, 12, 0, tzinfo=dt.UTC)


def school_with(apprentices_per_teacher: int):
    """One pilot, two classes, two teachers; each teacher's apprentices: one on time and approved, one late and
    waiting, the rest missing the week's journal."""
    pilot = PilotProjectFactory()
    classes = [
        CohortFactory(program=pilot.program, entry_year=2024),
        CohortFactory(program=pilot.program, entry_year=2025),
    ]
    teachers = [TeacherFactory(school=pilot.school, display_name=n) for n in ("甲老师", "乙老师")]
    for teacher in teachers:
        for i in range(apprentices_per_teacher):
            a = make_apprentice(teacher=teacher, pilot=pilot, student__cohort=classes[i % 2])
            if i == 0:
                entry = services.journal_submit(
                    actor=a.student,
                    placement=a.placement,
                    kind="weekly",
                    day=MONDAY,
                    tasks=[],
                    hours=40,
                    learned="学会了",
                    now=ON_TIME,
                )
                services.journal_review(actor=a.mentor, entry=entry, action="approve")
            elif i == 1:
                services.journal_submit(
                    actor=a.student,
                    placement=a.placement,
                    kind="weekly",
                    day=MONDAY,
                    tasks=[],
                    hours=40,
                    learned="学会了",
                    now=LATE,
                )
    return pilot, classes, teachers


def test_the_overview_counts_due_missing_late_waiting_and_reviewed_per_class_and_teacher():
    # given two teachers with three apprentices each, and another school's apprentice
    pilot, classes, teachers = school_with(3)
    make_apprentice()
    coordinator = CoordinatorFactory(school=pilot.school)
    # when
    figures = selectors.journal_overview(user=coordinator, week=MONDAY + dt.timedelta(days=2))
    # then per teacher: 3 due, 2 written, 1 missing, 1 late, 1 waiting, 1 reviewed
    by_teacher = {
        r.label: (r.due, r.written, r.missing, r.late, r.waiting, r.reviewed) for r in figures["teachers"]
    }
    assert by_teacher == {"甲老师": (3, 2, 1, 1, 1, 1), "乙老师": (3, 2, 1, 1, 1, 1)}
    # per class: i=0 and i=2 in the first class, i=1 in the second (for each teacher)
    by_class = {
        r.key: (r.due, r.written, r.missing, r.late, r.waiting, r.reviewed) for r in figures["classes"]
    }
    assert by_class == {classes[0].pk: (4, 2, 2, 0, 0, 2), classes[1].pk: (2, 2, 0, 2, 2, 0)}


def test_a_pilot_that_wants_no_weekly_journal_owes_none():
    pilot, _classes, _teachers = school_with(2)
    JournalRule.objects.create(pilot=pilot, weekly_required=False)
    figures = selectors.journal_overview(user=CoordinatorFactory(school=pilot.school), week=MONDAY)
    assert figures == {"classes": [], "teachers": []}


@pytest.mark.parametrize("apprentices_per_teacher", [2, 12])
def test_the_overview_page_does_not_grow_queries_with_rows(
    client, django_assert_num_queries, apprentices_per_teacher
):
    # given a school with few or many apprentices
    pilot, _classes, _teachers = school_with(apprentices_per_teacher)
    coordinator = CoordinatorFactory(school=pilot.school)
    client.force_login(coordinator)
    client.get("/journals/overview/?week=2026-W42")  # warm the session and the translations
    # when / then: the same number of queries for 4 or 24 apprentices
    with django_assert_num_queries(6):  # the same six for 4 or 24 apprentices
        response = client.get("/journals/overview/?week=2026-W42")
    assert response.status_code == 200
    assert response.context["teachers"][0].due == apprentices_per_teacher
