"""Writes on assessments: open, record a party's signed score (deciding the result once complete), revoke.

Other apps react to a revocation through hooks registered at start-up (the subsidy ledger reverses the grant in the
same transaction), so a revoked assessment and its reversal are written together or not at all."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.accounts.models import Role
from backend.core.audit import actor_user, audit_record
from backend.core.clock import local_today
from backend.core.errors import ApplicationError
from backend.core.services import full_clean_or_raise
from backend.placements.models import Placement, PlacementStatus

from .models import Assessment, AssessmentRule, AssessmentScore, AssessmentStatus, Party, PlacementRating
from .rules import RuleFigures, decide

RevokeHook = Callable[[Assessment, Any], None]
_REVOKE_HOOKS: list[RevokeHook] = []

# Which parties a role may score for. Admins may record any party (e.g. a paper form typed in).
PARTIES_BY_ROLE: dict[str, frozenset[str]] = {
    Role.MENTOR: frozenset({Party.MENTOR}),
    Role.COORDINATOR: frozenset({Party.TEACHER, Party.THIRD_PARTY}),
    Role.HR: frozenset({Party.COMPANY, Party.THIRD_PARTY}),
}


def register_revoke_hook(hook: RevokeHook) -> RevokeHook:
    if hook not in _REVOKE_HOOKS:
        _REVOKE_HOOKS.append(hook)
    return hook


def rule_figures(rule: AssessmentRule) -> RuleFigures:
    return RuleFigures(
        required_parties=tuple(rule.required_parties),
        pass_mark=rule.pass_mark,
        method=rule.method,
        weights={k: Decimal(str(v)) for k, v in (rule.weights or {}).items()},
        include_optional_parties=rule.include_optional_parties,
    )


@transaction.atomic
def assessment_open(*, placement: Placement, actor: Any, as_of: datetime.date | None = None) -> Assessment:
    as_of = as_of or local_today()
    if placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.COMPLETED):
        raise ApplicationError(
            "ASSESSMENT_PLACEMENT_NOT_STARTED",
            "只有在岗或已完成的学徒才能考核",
            "only an active or completed placement can be assessed",
            details={"placement_status": placement.status},
            status=409,
        )
    rule = AssessmentRule.in_force(as_of)
    if rule is None:
        raise ApplicationError(
            "ASSESSMENT_NO_RULE",
            "没有生效的考核规则",
            "no assessment rule is in force",
            details={"as_of": as_of},
        )
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                placement=placement, rule=rule, opened_by=actor_user(actor)
            )
    except IntegrityError as exc:
        raise ApplicationError(
            "ASSESSMENT_EXISTS",
            "该学徒已有进行中或已通过的考核",
            "this placement already has an open or passed assessment",
            status=409,
        ) from exc
    audit_record(actor=actor, action="assessment.open", obj=assessment, changes={"rule": rule.pk})
    return assessment


@transaction.atomic
def assessment_score_record(
    *,
    assessment: Assessment,
    party: str,
    score: Decimal,
    assessor_name: str,
    actor: Any,
    comments: str = "",
    now: datetime.datetime | None = None,
) -> Assessment:
    """Record one party's signed-off score; when every required party has signed, decide pass or fail."""
    now = now or timezone.now()
    assessment = (
        Assessment.objects.select_for_update().select_related("rule", "placement").get(pk=assessment.pk)
    )
    if assessment.status != AssessmentStatus.OPEN:
        raise ApplicationError(
            "ASSESSMENT_CLOSED",
            "考核已有结论，不能再评分",
            "the assessment is decided; no more scores",
            details={"status": assessment.status},
            status=409,
        )
    role = getattr(actor, "role", None)
    # actor None is the system itself (demo data, an import command); the API always passes the signed-in user.
    trusted = actor is None or role == Role.ADMIN or getattr(actor, "is_superuser", False)
    if not trusted:
        if party not in PARTIES_BY_ROLE.get(role or "", frozenset()):
            raise ApplicationError(
                "ASSESSMENT_WRONG_PARTY",
                "您的角色不能代表该评价方评分",
                f"role {role} may not score as {party}",
                details={"party": party, "role": role},
                status=403,
            )
        if party == Party.MENTOR and assessment.placement.mentor_id != getattr(actor, "mentor_id", None):
            raise ApplicationError(
                "ASSESSMENT_NOT_YOUR_APPRENTICE",
                "只有该学徒的师傅可以评分",
                "only the apprentice's own mentor may score as mentor",
                status=403,
            )
    row = AssessmentScore(
        assessment=assessment,
        party=party,
        score=Decimal(score),
        assessor_name=assessor_name,
        assessor=actor_user(actor),
        comments=comments,
        signed_off_at=now,
    )
    full_clean_or_raise(row, exclude=["assessment"])
    if assessment.scores.filter(party=party).exists():
        raise ApplicationError(
            "ASSESSMENT_PARTY_SIGNED",
            "该评价方已签认评分，不能修改",
            "this party has already signed off its score",
            details={"party": party},
            status=409,
        )
    row.save()
    audit_record(
        actor=actor, action="assessment.score", obj=assessment, changes={"party": party, "score": row.score}
    )
    scores = dict(assessment.scores.values_list("party", "score"))
    decision = decide(rule_figures(assessment.rule), scores)
    if decision.complete:
        assessment.status = AssessmentStatus.PASSED if decision.passed else AssessmentStatus.FAILED
        assessment.final_score = decision.final_score
        assessment.decided_at = now
        assessment.save(update_fields=["status", "final_score", "decided_at", "updated_at"])
        audit_record(
            actor=actor,
            action="assessment.decide",
            obj=assessment,
            changes={"status": assessment.status, "final_score": decision.final_score},
        )
    return assessment


@transaction.atomic
def assessment_revoke(
    *, assessment: Assessment, reason: str, actor: Any, now: datetime.datetime | None = None
) -> Assessment:
    now = now or timezone.now()
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not reason.strip():
        raise ApplicationError(
            "ASSESSMENT_REVOKE_REASON", "撤销考核必须说明原因", "a revocation needs a reason"
        )
    if assessment.status != AssessmentStatus.PASSED:
        raise ApplicationError(
            "ASSESSMENT_NOT_PASSED",
            "只能撤销已合格的考核",
            "only a passed assessment can be revoked",
            details={"status": assessment.status},
            status=409,
        )
    assessment.status = AssessmentStatus.REVOKED
    assessment.revoked_at = now
    assessment.revoke_reason = reason.strip()
    assessment.revoked_by = actor_user(actor)
    assessment.save(update_fields=["status", "revoked_at", "revoke_reason", "revoked_by", "updated_at"])
    audit_record(actor=actor, action="assessment.revoke", obj=assessment, changes={"reason": reason})
    for hook in _REVOKE_HOOKS:
        hook(assessment, actor)
    return assessment


@transaction.atomic
def placement_rating_create(
    *, placement: Placement, rating: int, actor: Any, comment: str = ""
) -> PlacementRating:
    if getattr(actor, "role", None) == Role.STUDENT and placement.student_id != actor.student_id:
        raise ApplicationError(
            "RATING_NOT_YOURS", "只能评价自己的岗位", "you may rate only your own placement", status=403
        )
    obj = PlacementRating(placement=placement, rating=rating, comment=comment)
    full_clean_or_raise(obj, exclude=["placement"])
    if PlacementRating.objects.filter(placement=placement).exists():
        raise ApplicationError(
            "RATING_EXISTS", "已评价过该岗位", "this placement is already rated", status=409
        )
    obj.save()
    audit_record(actor=actor, action="placementrating.create", obj=obj, changes={"rating": rating})
    return obj


DEFAULT_RULE = {
    "name": "学徒培养标准考核(默认): 师傅、学校、企业三方签认, 平均分60分合格",
    "required_parties": ["mentor", "teacher", "company"],
    "pass_mark": Decimal("60.00"),
    "method": "mean",
    "weights": {},
    "include_optional_parties": True,
}
DEFAULT_RULE_FROM = datetime.date(2015, 1, 1)


def assessment_rule_ensure_default() -> AssessmentRule:
    """The default rule (also seeded by migration 0002); for demo data and databases flushed by tests."""
    rule, _ = AssessmentRule.objects.get_or_create(valid_from=DEFAULT_RULE_FROM, defaults=DEFAULT_RULE)
    return rule
