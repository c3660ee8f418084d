"""{% change_panel placement %}: the placement page's change requests and its "request a change" button."""

from typing import Any

from django import template

from backend.accounts.models import Role
from backend.changes.selectors import change_request_list
from backend.placements.models import PlacementStatus

register = template.Library()


@register.inclusion_tag("portal/changes/_panel.html", takes_context=True)
def change_panel(context: Any, placement: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    role = getattr(user, "role", None)
    if role not in (Role.COORDINATOR, Role.HR):
        return {"shown": False}
    return {
        "shown": True,
        "placement": placement,
        "changes": list(
            change_request_list(user=user, placement_id=placement.pk).order_by("-created_at", "-id")
        ),
        "may_request": placement.status == PlacementStatus.ACTIVE,
    }
