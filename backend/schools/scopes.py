"""Who sees schools, programs, cohorts, students and guardians. See backend/accounts/scoping.py for the mechanism."""

from django.db.models import Q

from backend.accounts.scoping import by_role, register_scope

from .models import Cohort, Guardian, Program, School, Student

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
