"""Who sees which subsidy rows. A company sees its own claims and its mentors' rewards; a mentor his own rewards;
a school the claims of its pilots; the bureau everything. The ledger itself (accounts, entries, lines) is
registered for nobody: only the roles that see everything read it."""

from django.db.models import Q

from backend.accounts.scoping import by_role, register_scope

from .models import Claim, ClaimEvent, DisbursementBatch, PilotBudget, SubsidyPolicy

register_scope(Claim)(
    by_role(
        coordinator=lambda u: Q(pilot__school_id=u.school_id),
        hr=lambda u: Q(company_id=u.company_id),
        mentor=lambda u: Q(mentor_id=u.mentor_id),
    )
)
register_scope(ClaimEvent)(
    by_role(
        coordinator=lambda u: Q(claim__pilot__school_id=u.school_id),
        hr=lambda u: Q(claim__company_id=u.company_id),
        mentor=lambda u: Q(claim__mentor_id=u.mentor_id),
    )
)
register_scope(DisbursementBatch)(
    by_role(
        coordinator=lambda u: Q(claims__pilot__school_id=u.school_id),
        hr=lambda u: Q(claims__company_id=u.company_id),
    )
)
register_scope(PilotBudget)(by_role(coordinator=lambda u: Q(pilot__school_id=u.school_id)))
register_scope(SubsidyPolicy)(lambda u: Q())
