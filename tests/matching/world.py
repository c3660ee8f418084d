"""A small matching world in the database: one school, one pilot, one company, posts and mentors."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from backend.matching.models import StudentPreference
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.companies import CompanyFactory, MentorFactory, PostFactory
from tests.factories.placements import PilotProjectFactory
from tests.factories.schools import CohortFactory, StudentFactory, birth_date_for_age

START = datetime.date(2026, 9, 1)
END = datetime.date(2027, 1, 31)


@dataclass
class World:
    pilot: Any
    company: Any
    posts: list[Any]
    mentors: list[Any]
    students: list[Any]
    coordinator: Any
    hr: Any
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def school(self) -> Any:
        return self.pilot.school


def make_world(
    *,
    n_students: int = 4,
    post_capacities: tuple[int, ...] = (2, 2),
    staff_count: int = 500,
    ages: tuple[int, ...] | None = None,
    entry_year: int = 2024,
) -> World:
    company = CompanyFactory(staff_count=staff_count)
    posts = [PostFactory(company=company, capacity=c, staff_on_post=50) for c in post_capacities]
    mentors = [MentorFactory(company=company, post=post) for post in posts]
    pilot = PilotProjectFactory(companies=[company])
    cohort = CohortFactory(program=pilot.program, entry_year=entry_year)
    ages = ages or (19,) * n_students
    students = [
        StudentFactory(cohort=cohort, birth=birth_date_for_age(ages[i], START)) for i in range(n_students)
    ]
    return World(
        pilot=pilot,
        company=company,
        posts=posts,
        mentors=mentors,
        students=students,
        coordinator=CoordinatorFactory(school=pilot.school),
        hr=HrFactory(company=company),
    )


def prefer(world: World, student: Any, *posts: Any) -> None:
    StudentPreference.objects.filter(student=student).delete()
    for rank, post in enumerate(posts, start=1):
        StudentPreference.objects.create(student=student, pilot=world.pilot, post=post, rank=rank)
