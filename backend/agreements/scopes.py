"""Who sees agreements, batches and templates. See backend/accounts/scoping.py for the mechanism."""

from django.db.models import Q

from backend.accounts.scopes import placements_q
from backend.accounts.scoping import by_role, register_scope

from .models import Agreement, AgreementBatch, AgreementRevision, TemplateVersion

# Everyone who sees a placement sees its agreement (each party reads and signs it).
register_scope(Agreement)(lambda u: placements_q(u, "placement__"))
register_scope(AgreementRevision)(lambda u: placements_q(u, "agreement__placement__"))
register_scope(AgreementBatch)(by_role(coordinator=lambda u: Q(school_id=u.school_id)))
# A coordinator sees the shipped defaults and the own school's versions; nobody else needs templates.
register_scope(TemplateVersion)(
    by_role(coordinator=lambda u: Q(school__isnull=True) | Q(school_id=u.school_id))
)
