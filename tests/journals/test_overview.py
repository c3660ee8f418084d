"""The coordinator's overview per class and per teacher: the right figures, in a constant number of queries.

The page counts the term against each pilot's rhythm (journal_term_overview); the API keeps one ISO week
(journal_overview)."""

import datetime as dt

import pytest
import time_machine

from backend.journals import selectors, services
from backend.journals.models import JournalEntry, JournalRule
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


# 20 October 2026 12:00 in Shanghai: the weekly journals of the weeks from 7 September to 12 October are due (the
# placements start on Tuesday 1 September: that week's Monday is in the spring term), 6 per placement.
TERM_NOW = dt.datetime(2026, 10, 20, 12, 0, tzinfo=dt.UTC)


def test_the_term_overview_counts_against_the_pilots_rhythm_per_class_and_teacher():
    # given two teachers with three apprentices each (one on time and approved, one late and waiting, one
    # without a journal), a journal of the spring term that does not count, and another school's apprentice
    pilot, classes, teachers = school_with(3)
    entry = JournalEntry.objects.filter(placement__pilot=pilot).first()
    assert entry is not None
    JournalEntry.objects.create(
        placement=entry.placement,
        student=entry.student,
        kind="weekly",
        period_start=dt.date(2026, 8, 31),
        hours=40,
        learned="暑期",
        deadline=LATE,
        submitted_at=LATE,
        late=True,
    )
    make_apprentice()
    coordinator = CoordinatorFactory(school=pilot.school)
    # when
    figures = selectors.journal_term_overview(user=coordinator, day=MONDAY, now=TERM_NOW)
    # then per teacher: 3 placements, 36 a term, 18 due so far, 2 written, 16 missing, 1 late, 1 waiting, 1 reviewed
    assert figures["term"].start == dt.date(2026, 9, 1) and figures["term"].end == dt.date(2027, 1, 31)
    by_teacher = {
        r.label: (r.placements, r.term_min, r.due, r.written, r.missing, r.late, r.waiting, r.reviewed)
        for r in figures["teachers"]
    }
    assert by_teacher == {"甲老师": (3, 36, 18, 2, 16, 1, 1, 1), "乙老师": (3, 36, 18, 2, 16, 1, 1, 1)}
    by_class = {
        r.key: (r.placements, r.due, r.written, r.late, r.waiting, r.reviewed) for r in figures["classes"]
    }
    assert by_class == {classes[0].pk: (4, 24, 2, 0, 0, 2), classes[1].pk: (2, 12, 2, 2, 2, 0)}


def test_the_term_overview_follows_the_pilots_rule_and_leaves_other_terms_out():
    # given a pilot whose rule asks for 10 a term, due three days after the week at 18:00
    pilot, _classes, teachers = school_with(1)
    JournalRule.objects.create(pilot=pilot, term_min=10, deadline_days=3, deadline_hour=18)
    coordinator = CoordinatorFactory(school=pilot.school)
    # when: on 21 October 12:00 the week of 12 October is not due yet (21 October 18:00)
    figures = selectors.journal_term_overview(
        user=coordinator, day=MONDAY, now=dt.datetime(2026, 10, 21, 4, 0, tzinfo=dt.UTC)
    )
    # then 5 due each, the on-time journal of the week written early; the term minimum is the rule's
    rows = {
        r.label: (r.term_min, r.due, r.written, r.missing, r.waiting, r.reviewed) for r in figures["teachers"]
    }
    assert rows == {"甲老师": (10, 5, 0, 5, 0, 1), "乙老师": (10, 5, 0, 5, 0, 1)}
    # when the spring term of 2027 is asked: the placements end on 31 January, nothing of it is theirs
    spring = selectors.journal_term_overview(user=coordinator, day=dt.date(2027, 3, 1), now=TERM_NOW)
    assert spring["classes"] == [] and spring["teachers"] == []
    # when the pilot wants no weekly journal: nothing is due, nothing is asked for the term
    JournalRule.objects.filter(pilot=pilot).update(weekly_required=False)
    figures = selectors.journal_term_overview(user=coordinator, day=MONDAY, now=TERM_NOW)
    assert {(r.term_min, r.due, r.missing) for r in figures["teachers"]} == {(0, 0, 0)}


@time_machine.travel(TERM_NOW, tick=False)
@pytest.mark.parametrize("apprentices_per_teacher", [2, 12])
def test_the_term_overview_page_does_not_grow_queries_with_rows(
    client, django_assert_num_queries, apprentices_per_teacher
):
    # given a school with 4 or 24 apprentices, a few of them with journals
    pilot, _classes, _teachers = school_with(apprentices_per_teacher)
    coordinator = CoordinatorFactory(school=pilot.school)
    client.force_login(coordinator)
    client.get("/journals/overview/")  # warm the session and the translations
    # when / then: the same number of queries whatever the number of placements and journals
    with django_assert_num_queries(6):
        response = client.get("/journals/overview/?term=2026-autumn")
    assert response.status_code == 200
    assert response.context["teachers"][0].due == 6 * apprentices_per_teacher
    assert 'data-testid="overview-teachers"' in response.content.decode()


@pytest.mark.parametrize("apprentices_per_teacher", [2, 12])
def test_the_weekly_overview_of_the_api_does_not_grow_queries_with_rows(
    django_assert_num_queries, apprentices_per_teacher
):
    pilot, _classes, _teachers = school_with(apprentices_per_teacher)
    coordinator = CoordinatorFactory(school=pilot.school)
    with django_assert_num_queries(2):  # by class, by teacher
        figures = selectors.journal_overview(user=coordinator, week=MONDAY)
    assert figures["teachers"][0].due == apprentices_per_teacher
