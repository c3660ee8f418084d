"""Who sees shifts, exceptions and violations: whoever sees the placement (see accounts/scopes.py)."""

from django.db.models import Q

from backend.accounts.scopes import _placements_q
from backend.accounts.scoping import register_scope

from .models import Holiday, PolicyVersion, ResolutionProposal, Shift, ShiftException, Violation

register_scope(Shift)(lambda u: _placements_q(u, "placement__"))
register_scope(ShiftException)(lambda u: _placements_q(u, "placement__"))
register_scope(Violation)(lambda u: _placements_q(u, "placement__"))
register_scope(ResolutionProposal)(lambda u: _placements_q(u, "violation__placement__"))
# The calendar and the policy figures are public reference data for every signed-in user.
register_scope(Holiday)(lambda u: Q())
register_scope(PolicyVersion)(lambda u: Q())
