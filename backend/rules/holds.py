"""What the rules app holds in other apps: a violation of a placement that is not resolved holds the placement's
subsidy claim (SERIOUS_VIOLATION_OPEN), registered from RulesConfig.ready() when the subsidy app is installed.

Only the "violation" severity holds money, a warning never does; every status but resolved holds (open,
acknowledged, and any status added later), so a new status cannot release money by accident."""

import datetime
from typing import Any

from .models import Severity, Violation, ViolationStatus


def placement_unresolved_violation_ids(*, placement_id: int, limit: int = 20) -> list[int]:
    """The ids of the placement's violations (not warnings) that are not resolved, oldest first."""
    return list(
        Violation.objects.filter(placement_id=placement_id, severity=Severity.VIOLATION)
        .exclude(status=ViolationStatus.RESOLVED)
        .order_by("first_seen", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def register_subsidy_hold() -> None:
    from backend.subsidy.holds import HoldReason, register_hold_check

    @register_hold_check("SERIOUS_VIOLATION_OPEN")
    def serious_violation_open(claim: Any, as_of: datetime.date) -> list[HoldReason]:
        ids = placement_unresolved_violation_ids(placement_id=claim.placement_id)
        if not ids:
            return []
        return [
            HoldReason(
                "SERIOUS_VIOLATION_OPEN",
                "存在未处理的严重违规",
                "a serious violation is open on the placement",
                {"violations": ids},
            )
        ]
