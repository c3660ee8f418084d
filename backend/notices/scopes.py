"""Who sees notices: each user only their own. See backend/accounts/scoping.py for the mechanism."""

from django.db.models import Q

from backend.accounts.models import User
from backend.accounts.scoping import register_scope

from .models import Notice


def own_notices(user: User) -> Q:
    return Q(recipient_id=user.id)


register_scope(Notice)(own_notices)
