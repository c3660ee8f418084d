"""Who sees which assessments: whoever sees the placement (see backend/placements/scopes.py)."""

from django.db.models import Q

from backend.accounts.scoping import register_scope
from backend.placements.scopes import placements_q

from .models import Assessment, AssessmentRule, AssessmentScore, PlacementRating

register_scope(Assessment)(lambda u: placements_q(u, "placement__"))
register_scope(AssessmentScore)(lambda u: placements_q(u, "assessment__placement__"))
register_scope(PlacementRating)(lambda u: placements_q(u, "placement__"))

# Rules are public policy data: every signed-in user may read them.
register_scope(AssessmentRule)(lambda u: Q())
