"""What the signing app holds in other apps: a placement whose agreement is not sealed holds its subsidy claim
(AGREEMENT_NOT_SEALED), registered from SigningConfig.ready() when the subsidy app is installed."""

import datetime
from typing import Any


def register_subsidy_hold() -> None:
    from backend.subsidy.holds import HoldReason, agreement_not_sealed, register_hold_check

    from .selectors import agreement_is_sealed

    @register_hold_check("AGREEMENT_NOT_SEALED")
    def agreement_not_sealed_check(claim: Any, as_of: datetime.date) -> list[HoldReason]:
        return [] if agreement_is_sealed(claim.placement) else [agreement_not_sealed("agreement")]
