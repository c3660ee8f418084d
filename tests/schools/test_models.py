import datetime

import pytest
from django.db import IntegrityError

from backend.accounts.models import Role, User
from tests.factories.placements import PlacementFactory
from tests.factories.schools import CohortFactory, StudentFactory


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (datetime.date(2024, 8, 31), 0),
        (datetime.date(2024, 9, 1), 1),
        (datetime.date(2025, 8, 31), 1),
        (datetime.date(2025, 9, 1), 2),
        (datetime.date(2026, 11, 28), 3),
    ],
)
def test_year_of_study_turns_over_on_the_first_of_september(day, year):
    cohort = CohortFactory.build(entry_year=2024)
    assert cohort.year_of_study(day) == year


@pytest.mark.django_db
def test_a_student_age_follows_the_birth_date_in_the_id():
    student = StudentFactory(birth=datetime.date(2010, 9, 1))
    assert student.resident_id[6:14] == "20100901"
    assert student.age_on(datetime.date(2026, 8, 31)) == 15
    assert student.age_on(datetime.date(2026, 9, 1)) == 16


@pytest.mark.django_db
def test_the_database_refuses_a_coordinator_without_a_school():
    with pytest.raises(IntegrityError):
        User.objects.create(username="x", role=Role.COORDINATOR)


@pytest.mark.django_db
def test_the_database_refuses_a_placement_ending_before_it_starts():
    placement = PlacementFactory()
    placement.end_date = placement.start_date - datetime.timedelta(days=1)
    with pytest.raises(IntegrityError):
        placement.save()


def test_allowed_transitions_table():
    placement = PlacementFactory.build(status="proposed")
    assert placement.can_move_to("signing") and placement.can_move_to("terminated")
    assert not placement.can_move_to("active") and not placement.can_move_to("completed")
    placement.status = "completed"
    assert not any(placement.can_move_to(s) for s in ("proposed", "signing", "active", "terminated"))
