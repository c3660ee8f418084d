import datetime

import pytest

from tests.factories.accounts import HrFactory, MentorUserFactory, StudentUserFactory
from tests.factories.placements import PlacementFactory


@pytest.fixture
def placement(db):
    """An active placement over 2026 (Spring Festival included) for a 17-year-old second-year student."""
    return PlacementFactory(
        active=True,
        start_date=datetime.date(2026, 2, 2),
        end_date=datetime.date(2026, 12, 31),
        student__birth=datetime.date(2008, 10, 1),
    )


@pytest.fixture
def hr_of(db):
    def make(placement):
        return HrFactory(company=placement.post.company)

    return make


@pytest.fixture
def student_of(db):
    def make(placement):
        return StudentUserFactory(student=placement.student, school=placement.student.school)

    return make


@pytest.fixture
def mentor_of(db):
    def make(placement):
        return MentorUserFactory(mentor=placement.mentor, company=placement.post.company)

    return make
