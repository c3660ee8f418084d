"""Who sees change requests: the parties who sign the supplementary agreement (the school's coordinators, the
company's HR, the student and the guardian), as they see the placement. Mentors do not see the reasons."""

from django.db.models import Q

from backend.accounts.models import User
from backend.accounts.scoping import NOTHING, register_scope
from backend.placements.scopes import placements_q

from .models import ChangeRequest

_PARTIES = frozenset({"coordinator", "hr", "student", "guardian"})


@register_scope(ChangeRequest)
def change_request_scope(user: User) -> Q:
    return placements_q(user, "placement__") if user.role in _PARTIES else NOTHING
