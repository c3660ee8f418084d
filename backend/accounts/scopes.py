"""Who sees which user accounts: each user only their own. See scoping.py for the mechanism.

Every app registers the scopes of its own models in its own `scopes.py` (imported from its `AppConfig.ready`):
schools, companies, placements (with `placements_q`, the rule the placement-owned rows reuse), notices...
"""

from django.db.models import Q

from .models import User
from .scoping import register_scope

register_scope(User)(lambda u: Q(id=u.id))
