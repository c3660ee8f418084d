"""Who sees pilots and placements (and what hangs off a placement). See backend/accounts/scoping.py for the mechanism.

`placements_q` is the placement visibility rule itself: other apps whose rows belong to a placement (agreements,
shifts, assessments...) register their scopes through it with the path to the placement as prefix.
"""

from django.db.models import Q

from backend.accounts.models import User
from backend.accounts.scoping import by_role, register_scope

from .models import HealthCheck, InsurancePolicy, PilotProject, Placement, PlacementEvent, PlacementStage


def placements_q(user: User, prefix: str = "") -> Q:
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


register_scope(Placement)(lambda u: placements_q(u))
register_scope(PlacementStage)(lambda u: placements_q(u, "placement__"))
register_scope(PlacementEvent)(lambda u: placements_q(u, "placement__"))
register_scope(InsurancePolicy)(lambda u: placements_q(u, "placement__"))
register_scope(HealthCheck)(
    by_role(
        coordinator=lambda u: Q(student__school_id=u.school_id),
        hr=lambda u: Q(student__placements__post__company_id=u.company_id),
        student=lambda u: Q(student_id=u.student_id),
        guardian=lambda u: Q(student__guardians__id=u.guardian_id),
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
