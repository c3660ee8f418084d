"""Who sees shifts, exceptions and violations: whoever sees the placement (see backend/placements/scopes.py)."""

from django.db.models import Q

from backend.accounts.scoping import register_scope
from backend.placements.scopes import placements_q

from .models import Holiday, PolicyVersion, ResolutionProposal, Shift, ShiftException, Violation

register_scope(Shift)(lambda u: placements_q(u, "placement__"))
register_scope(ShiftException)(lambda u: placements_q(u, "placement__"))
register_scope(Violation)(lambda u: placements_q(u, "placement__"))
register_scope(ResolutionProposal)(lambda u: placements_q(u, "violation__placement__"))
# The calendar and the policy figures are public reference data for every signed-in user.
register_scope(Holiday)(lambda u: Q())
register_scope(PolicyVersion)(lambda u: Q())
