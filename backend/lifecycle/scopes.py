"""Who sees pauses, endings and injury reports: whoever sees the placement (``placements_q``: the school's
coordinators, the company's HR, the mentor, the apprentice, the guardian) and the supervising teacher of it.
Insurer e-mails (InsurerNotice) are registered for nobody: the overseers read them in the admin."""

from typing import Any

from django.apps import apps
from django.db.models import Q

from backend.accounts.models import Role
from backend.accounts.scoping import register_role_scope, register_scope
from backend.placements.scopes import placements_q

from .models import Completion, InjuryReport, Pause, Termination

MODELS = (Pause, Termination, Completion, InjuryReport)


def _placement_seen(u: Any) -> Q:
    return placements_q(u, "placement__")


register_scope(Pause)(_placement_seen)
register_scope(Termination)(_placement_seen)
register_scope(Completion)(_placement_seen)
register_scope(InjuryReport)(_placement_seen)

if apps.is_installed("backend.attendance"):
    from backend.attendance.scopes import teacher_placements_q

    for model in MODELS:
        register_role_scope(model, Role.TEACHER)(lambda u: teacher_placements_q(u, "placement__"))
