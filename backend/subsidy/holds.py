"""Why a claim is held. Each check looks at the claim's placement as of a date and lists its reasons; a claim is
held while any reason stands and released automatically (by the nightly sweep or before approval) when none does.

Checks are registered by the app that owns the rule, with `register_hold_check`, against its own public selectors:
- AGREEMENT_NOT_SEALED: the signing app (backend/signing/holds.py): the placement's agreement is not sealed. Without
  a signing app, a placement that never became active counts as unsealed (`placement_activation_check`, registered
  by this app's ready(): a placement becomes active only with a fully signed agreement).
- SERIOUS_VIOLATION_OPEN: the rules app (backend/rules/holds.py): a violation of the placement is not resolved.
- INSURANCE_NOT_COVERED (here): liability and work-injury insurance must each cover the whole placement period.
- NOT_ASSESSED (here): under the "placement_active" trigger, a claim waits for a passed assessment.

An owner that is installed but has not registered its check (a rename, a lost import) is a configuration error:
`hold_reasons` raises and `manage.py check` reports subsidy.E001, so money is never released by a missing check.
"""

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from backend.assessments.models import AssessmentStatus
from backend.placements.models import InsuranceKind, Placement, PlacementStatus

from .models import Claim, SubsidyTrigger
from .money import coverage_gaps


@dataclass(frozen=True)
class HoldReason:
    code: str
    message: str
    message_en: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


HoldCheck = Callable[[Claim, datetime.date], list[HoldReason]]
_CHECKS: dict[str, HoldCheck] = {}


def register_hold_check(code: str) -> Callable[[HoldCheck], HoldCheck]:
    def decorator(check: HoldCheck) -> HoldCheck:
        _CHECKS[code] = check
        return check

    return decorator


def unregister_hold_check(code: str) -> None:
    _CHECKS.pop(code, None)


# The hold each owning app registers when it is installed.
REQUIRED_HOLDS = {"backend.signing": "AGREEMENT_NOT_SEALED", "backend.rules": "SERIOUS_VIOLATION_OPEN"}


def missing_hold_checks() -> list[str]:
    """The codes of the holds an installed owner should have registered and has not."""
    return sorted(
        code for app, code in REQUIRED_HOLDS.items() if apps.is_installed(app) and code not in _CHECKS
    )


def registered_check(code: str) -> HoldCheck:
    """The check registered for one hold code (ImproperlyConfigured when none is)."""
    if code not in _CHECKS:
        raise ImproperlyConfigured(f"no subsidy hold check registered for {code}")
    return _CHECKS[code]


def hold_reasons(claim: Claim, as_of: datetime.date) -> list[HoldReason]:
    missing = missing_hold_checks()
    if missing:
        raise ImproperlyConfigured(f"subsidy hold checks not registered by their apps: {', '.join(missing)}")
    reasons: list[HoldReason] = []
    for code in sorted(_CHECKS):
        reasons.extend(_CHECKS[code](claim, as_of))
    return reasons


def placement_became_active(placement: Placement) -> bool:
    if placement.status in (PlacementStatus.ACTIVE, PlacementStatus.COMPLETED):
        return True
    return placement.events.filter(to_status=PlacementStatus.ACTIVE).exists()


def placement_activation_check(claim: Claim, as_of: datetime.date) -> list[HoldReason]:
    """AGREEMENT_NOT_SEALED without a signing app: a placement that never became active counts as unsealed."""
    if placement_became_active(claim.placement):
        return []
    return [agreement_not_sealed("placement_activation")]


def agreement_not_sealed(source: str) -> HoldReason:
    return HoldReason(
        "AGREEMENT_NOT_SEALED",
        "学徒协议尚未完成签章",
        "the apprenticeship agreement is not sealed",
        {"source": source},
    )


@register_hold_check("INSURANCE_NOT_COVERED")
def insurance_check(claim: Claim, as_of: datetime.date) -> list[HoldReason]:
    placement = claim.placement
    policies = list(placement.insurance_policies.values_list("kind", "start_date", "end_date"))
    problems: dict[str, list[list[str]]] = {}
    for kind in (InsuranceKind.LIABILITY, InsuranceKind.WORK_INJURY):
        intervals = [(s, e) for k, s, e in policies if k == kind]
        gaps = coverage_gaps(placement.start_date, placement.end_date, intervals)
        if gaps:
            problems[kind] = [[s.isoformat(), e.isoformat()] for s, e in gaps]
    if not problems:
        return []
    return [
        HoldReason(
            "INSURANCE_NOT_COVERED",
            "实习责任保险或工伤保险未覆盖整个学徒期",
            "liability or work-injury insurance does not cover the whole placement period",
            {"gaps": problems},
        )
    ]


@register_hold_check("NOT_ASSESSED")
def assessment_check(claim: Claim, as_of: datetime.date) -> list[HoldReason]:
    if claim.policy.trigger != SubsidyTrigger.PLACEMENT_ACTIVE:
        return []
    if claim.assessment is not None and claim.assessment.status == AssessmentStatus.PASSED:
        return []
    return [
        HoldReason(
            "NOT_ASSESSED",
            "学徒尚未考核合格",
            "the apprentice has not passed the assessment yet",
        )
    ]
