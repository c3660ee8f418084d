"""Why a claim is held. Each check looks at the claim's placement as of a date and lists its reasons; a claim is
held while any reason stands and released automatically (by the nightly sweep or before approval) when none does.

Checks are pluggable: an app that owns a rule registers one with `register_hold_check`. The defaults:
- AGREEMENT_NOT_SEALED: the placement's agreement is not sealed: `backend.signing.selectors.agreement_is_sealed`
  (signed by every party and sealed, not voided). Without a signing app, a placement that never became active
  counts as unsealed (a placement becomes active only with a fully signed agreement).
- INSURANCE_NOT_COVERED: liability and work-injury insurance must each cover the whole placement period.
- SERIOUS_VIOLATION_OPEN: an open serious violation on the placement (read from `rules.Violation` when that model
  exists; otherwise this check finds nothing).
- NOT_ASSESSED: under the "placement_active" trigger, a claim waits for a passed assessment.
"""

import datetime
import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.apps import apps

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


def hold_reasons(claim: Claim, as_of: datetime.date) -> list[HoldReason]:
    reasons: list[HoldReason] = []
    for code in sorted(_CHECKS):
        reasons.extend(_CHECKS[code](claim, as_of))
    return reasons


# Where an agreements/signing app may expose whether a placement's agreement is sealed.
SEALED_LOOKUPS = [
    ("backend.signing.selectors", "agreement_is_sealed"),  # the signing app on main
    ("backend.agreements.selectors", "placement_agreement_sealed"),
    ("backend.agreements.services", "placement_agreement_sealed"),
    ("backend.signing.selectors", "placement_agreement_sealed"),
    ("backend.signing.services", "placement_agreement_sealed"),
]


def _sealed_lookup() -> Callable[[Placement], bool] | None:
    for module_name, attr in SEALED_LOOKUPS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        fn = getattr(module, attr, None)
        if callable(fn):
            return fn
    return None


def placement_became_active(placement: Placement) -> bool:
    if placement.status in (PlacementStatus.ACTIVE, PlacementStatus.COMPLETED):
        return True
    return placement.events.filter(to_status=PlacementStatus.ACTIVE).exists()


@register_hold_check("AGREEMENT_NOT_SEALED")
def agreement_check(claim: Claim, as_of: datetime.date) -> list[HoldReason]:
    lookup = _sealed_lookup()
    if lookup is not None:
        sealed, source = bool(lookup(claim.placement)), "agreement"
    else:
        sealed, source = placement_became_active(claim.placement), "placement_activation"
    if sealed:
        return []
    return [
        HoldReason(
            "AGREEMENT_NOT_SEALED",
            "学徒协议尚未完成签章",
            "the apprenticeship agreement is not sealed",
            {"source": source},
        )
    ]


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


# The rules app (branch h/rules) has Violation(placement, severity warning|violation, status
# open|acknowledged|resolved, resolved_at): "violation" is the serious level; a warning never holds money.
SERIOUS_SEVERITIES = ("violation", "serious", "critical")
CLOSED_STATUSES = ("resolved", "closed", "dismissed", "waived")


@register_hold_check("SERIOUS_VIOLATION_OPEN")
def violation_check(claim: Claim, as_of: datetime.date) -> list[HoldReason]:
    try:
        violation_model = apps.get_model("rules", "Violation")
    except LookupError:
        return []
    names = {f.name for f in violation_model._meta.get_fields()}
    if "placement" not in names:
        return []
    qs = violation_model._default_manager.filter(placement_id=claim.placement_id)
    if "severity" in names:
        qs = qs.filter(severity__in=SERIOUS_SEVERITIES)
    if "resolved_at" in names:
        qs = qs.filter(resolved_at__isnull=True)
    if "status" in names:
        qs = qs.exclude(status__in=CLOSED_STATUSES)
    ids = list(qs.values_list("pk", flat=True)[:20])
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
