"""Who sees which rows of the foundation's models. See scoping.py for the mechanism."""

from django.db.models import Q

from backend.companies.models import Company, Mentor, Post
from backend.notices.models import Notice
from backend.placements.models import (
    HealthCheck,
    InsurancePolicy,
    PilotProject,
    Placement,
    PlacementEvent,
    PlacementStage,
)
from backend.schools.models import Cohort, Guardian, Program, School, Student

from .models import User
from .scoping import by_role, register_scope


def _placements_q(user: User, prefix: str = "") -> Q:
    """The placements a user may see, as a condition on `prefix` + placement fields."""
    p = prefix
    rules = {
        "coordinator": lambda u: Q(**{f"{p}pilot__school_id": u.school_id}),
        "hr": lambda u: Q(**{f"{p}post__company_id": u.company_id}),
        "mentor": lambda u: Q(**{f"{p}mentor_id": u.mentor_id}),
        "student": lambda u: Q(**{f"{p}student_id": u.student_id}),
        "guardian": lambda u: Q(**{f"{p}student__guardians__id": u.guardian_id}),
    }
    return by_role(**rules)(user)


register_scope(Placement)(lambda u: _placements_q(u))
register_scope(PlacementStage)(lambda u: _placements_q(u, "placement__"))
register_scope(PlacementEvent)(lambda u: _placements_q(u, "placement__"))
register_scope(InsurancePolicy)(lambda u: _placements_q(u, "placement__"))

register_scope(School)(
    by_role(
        coordinator=lambda u: Q(id=u.school_id),
        hr=lambda u: Q(pilots__companies__id=u.company_id),
        mentor=lambda u: Q(students__placements__mentor_id=u.mentor_id),
        student=lambda u: Q(students__id=u.student_id),
        guardian=lambda u: Q(students__guardians__id=u.guardian_id),
    )
)
register_scope(Program)(
    by_role(
        coordinator=lambda u: Q(school_id=u.school_id),
        hr=lambda u: Q(pilots__companies__id=u.company_id),
        mentor=lambda u: Q(cohorts__students__placements__mentor_id=u.mentor_id),
        student=lambda u: Q(cohorts__students__id=u.student_id),
        guardian=lambda u: Q(cohorts__students__guardians__id=u.guardian_id),
    )
)
register_scope(Cohort)(
    by_role(
        coordinator=lambda u: Q(program__school_id=u.school_id),
        student=lambda u: Q(students__id=u.student_id),
        guardian=lambda u: Q(students__guardians__id=u.guardian_id),
    )
)
# HR and mentors see the students placed with them, through a minimal serializer (no ID number, no guardians).
register_scope(Student)(
    by_role(
        coordinator=lambda u: Q(school_id=u.school_id),
        hr=lambda u: Q(placements__post__company_id=u.company_id),
        mentor=lambda u: Q(placements__mentor_id=u.mentor_id),
        student=lambda u: Q(id=u.student_id),
        guardian=lambda u: Q(guardians__id=u.guardian_id),
    )
)
register_scope(Guardian)(
    by_role(
        coordinator=lambda u: Q(student__school_id=u.school_id),
        student=lambda u: Q(student_id=u.student_id),
        guardian=lambda u: Q(id=u.guardian_id),
    )
)
register_scope(HealthCheck)(
    by_role(
        coordinator=lambda u: Q(student__school_id=u.school_id),
        hr=lambda u: Q(student__placements__post__company_id=u.company_id),
        student=lambda u: Q(student_id=u.student_id),
        guardian=lambda u: Q(student__guardians__id=u.guardian_id),
    )
)
register_scope(Company)(
    by_role(
        coordinator=lambda u: Q(pilots__school_id=u.school_id),
        hr=lambda u: Q(id=u.company_id),
        mentor=lambda u: Q(mentors__id=u.mentor_id),
        student=lambda u: Q(posts__placements__student_id=u.student_id),
        guardian=lambda u: Q(posts__placements__student__guardians__id=u.guardian_id),
    )
)
register_scope(Post)(
    by_role(
        coordinator=lambda u: Q(company__pilots__school_id=u.school_id),
        hr=lambda u: Q(company_id=u.company_id),
        mentor=lambda u: Q(company__mentors__id=u.mentor_id),
        student=lambda u: Q(placements__student_id=u.student_id),
        guardian=lambda u: Q(placements__student__guardians__id=u.guardian_id),
    )
)
register_scope(Mentor)(
    by_role(
        coordinator=lambda u: Q(company__pilots__school_id=u.school_id),
        hr=lambda u: Q(company_id=u.company_id),
        mentor=lambda u: Q(id=u.mentor_id),
        student=lambda u: Q(placements__student_id=u.student_id),
        guardian=lambda u: Q(placements__student__guardians__id=u.guardian_id),
    )
)
register_scope(PilotProject)(
    by_role(
        coordinator=lambda u: Q(school_id=u.school_id),
        hr=lambda u: Q(companies__id=u.company_id),
        mentor=lambda u: Q(placements__mentor_id=u.mentor_id),
        student=lambda u: Q(placements__student_id=u.student_id),
        guardian=lambda u: Q(placements__student__guardians__id=u.guardian_id),
    )
)
register_scope(User)(lambda u: Q(id=u.id))


def _own_notices(user: User) -> Q:
    return Q(recipient_id=user.id)


register_scope(Notice)(_own_notices)


# The public name other apps' scopes use (the private one stays for this module's own callers).
placements_q = _placements_q
