"""Who sees attendance, and what the supervising teacher (role teacher) sees of the other apps' rows: the
placements assigned to them and what hangs off those placements (see accounts/scoping.py for the mechanism)."""

from django.db.models import Q

from backend.accounts.models import Role, User
from backend.accounts.scoping import NOTHING, by_role, register_role_scope, register_scope
from backend.placements.models import Placement, PlacementStage
from backend.rules.models import Shift, Violation
from backend.schools.models import School, Student

from .models import (
    AttendanceRecord,
    DeviceBinding,
    LeaveRequest,
    MakeUpRequest,
    Punch,
    TeacherAssignment,
    WorkPeriod,
    WorkSite,
    WorkSitePost,
)


def teacher_placements_q(user: User, prefix: str = "") -> Q:
    """The placements assigned to a teacher, as a condition on `prefix` + placement fields."""
    return Q(**{f"{prefix}teacher_assignment__teacher_id": user.id})


def placement_parties_q(user: User, prefix: str = "") -> Q:
    """Who sees a placement's attendance: its school, company, mentor, apprentice, guardian and teacher."""
    p = prefix
    return by_role(
        coordinator=lambda u: Q(**{f"{p}pilot__school_id": u.school_id}),
        hr=lambda u: Q(**{f"{p}post__company_id": u.company_id}),
        mentor=lambda u: Q(**{f"{p}mentor_id": u.mentor_id}),
        student=lambda u: Q(**{f"{p}student_id": u.student_id}),
        guardian=lambda u: Q(**{f"{p}student__guardians__id": u.guardian_id}),
        teacher=lambda u: teacher_placements_q(u, p),
    )(user)


# The teacher's view of the other apps' rows: only their apprentices.
register_role_scope(Placement, Role.TEACHER)(lambda u: teacher_placements_q(u))
register_role_scope(PlacementStage, Role.TEACHER)(lambda u: teacher_placements_q(u, "placement__"))
register_role_scope(Shift, Role.TEACHER)(lambda u: teacher_placements_q(u, "placement__"))
register_role_scope(Violation, Role.TEACHER)(lambda u: teacher_placements_q(u, "placement__"))
register_role_scope(Student, Role.TEACHER)(lambda u: teacher_placements_q(u, "placements__"))
register_role_scope(School, Role.TEACHER)(lambda u: Q(id=u.school_id))
register_role_scope(User, Role.TEACHER)(lambda u: Q(id=u.id))

register_scope(TeacherAssignment)(
    by_role(
        coordinator=lambda u: Q(placement__pilot__school_id=u.school_id),
        teacher=lambda u: Q(teacher_id=u.id),
    )
)
register_scope(WorkPeriod)(lambda u: placement_parties_q(u, "placement__"))
register_scope(Punch)(lambda u: placement_parties_q(u, "placement__"))
register_scope(AttendanceRecord)(lambda u: placement_parties_q(u, "placement__"))
register_scope(MakeUpRequest)(lambda u: placement_parties_q(u, "placement__"))
register_scope(LeaveRequest)(lambda u: placement_parties_q(u, "placement__"))
# A site is its company's (HR and the company's mentors run the kiosk); apprentices see the site they work at.
register_scope(WorkSite)(
    by_role(
        hr=lambda u: Q(company_id=u.company_id),
        mentor=lambda u: Q(company__mentors__id=u.mentor_id),
        student=lambda u: Q(post_links__post__placements__student_id=u.student_id),
        coordinator=lambda u: Q(company__pilots__school_id=u.school_id),
    )
)
register_scope(WorkSitePost)(
    by_role(
        hr=lambda u: Q(site__company_id=u.company_id),
        mentor=lambda u: Q(site__company__mentors__id=u.mentor_id),
    )
)
register_scope(DeviceBinding)(lambda u: NOTHING)
