"""Assessments on the placement page (backend.assessments): the coordinator scores as the school's teacher, HR as the
company, the mentor as the mentor; when every required party has signed off, the assessment service decides pass or fail, and a pass lets the
subsidy service accrue the grant (claim_accrue decides whether it is earned; the nightly sweep does the same).

Imported only when backend.assessments is installed (see backend/portal/urls.py)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.accounts.scoping import scope_queryset
from backend.assessments.models import Assessment, AssessmentStatus, Party
from backend.assessments.services import PARTIES_BY_ROLE, assessment_open, assessment_score_record
from backend.core.errors import ApplicationError
from backend.placements.models import PlacementStatus
from backend.portal import selectors
from backend.portal.access import error_text, feature, role_required, scoped_get


class ScoreForm(forms.Form):
    party = forms.ChoiceField(label=_("评价方"), choices=Party.choices)
    score = forms.DecimalField(
        label=_("分数"), min_value=Decimal("0"), max_value=Decimal("100"), max_digits=5, decimal_places=2
    )
    assessor_name = forms.CharField(label=_("评价人"), max_length=100)
    comments = forms.CharField(label=_("评语"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, parties: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["party"]
        field.choices = [(p, label) for p, label in Party.choices if p in parties]  # type: ignore[attr-defined]


def _current(placement: Any, user: Any) -> Assessment | None:
    """The placement's open or decided assessment (a revoked one is history)."""
    return (
        scope_queryset(user, Assessment.objects.filter(placement=placement))
        .exclude(status=AssessmentStatus.REVOKED)
        .select_related("rule")
        .order_by("-created_at", "-pk")
        .first()
    )


def _claim(placement: Any, user: Any) -> Any:
    if not feature("subsidy"):
        return None
    from backend.subsidy.selectors import claim_list

    return claim_list(user=user).filter(student_id=placement.student_id, pilot_id=placement.pilot_id).first()


def assessment_panel(request: HttpRequest, placement: Any) -> dict[str, Any] | None:
    """What the placement page shows of the assessment: scores so far, the parties the user may still score as,
    the decision, and the subsidy claim it earned. None before the placement is active."""
    if placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.COMPLETED):
        return None
    assessment = _current(placement, request.user)
    scores = list(assessment.scores.order_by("signed_off_at")) if assessment else []
    signed = {s.party for s in scores}
    mine = [p for p in PARTIES_BY_ROLE.get(request.user.role, frozenset()) if p not in signed]  # type: ignore[union-attr]
    open_ = assessment is None or assessment.status == AssessmentStatus.OPEN
    parties = [p for p, _label in Party.choices if p in mine] if open_ else []
    required = list(assessment.rule.required_parties) if assessment else []
    return {
        "assessment": assessment,
        "scores": scores,
        "required": [str(Party(p).label) for p in required if p in Party.values],
        "missing": [str(Party(p).label) for p in required if p in Party.values and p not in signed],
        "form": ScoreForm(parties=parties, initial={"assessor_name": request.user.get_full_name() or ""})  # type: ignore[union-attr]
        if parties
        else None,
        "claim": _claim(placement, request.user),
        "action": reverse("portal:placement-assessment", args=[placement.pk]),
    }


def _back(request: HttpRequest, pk: int) -> HttpResponse:
    role = request.user.role  # type: ignore[union-attr]
    if role == Role.HR:
        return redirect("portal:company-placement", pk)
    if role == Role.MENTOR:
        return redirect("portal:me-placement", pk)
    return redirect("portal:school-placement", pk)


@role_required(Role.COORDINATOR, Role.HR, Role.MENTOR)
@require_POST
def placement_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one party's score; opens the assessment first when there is none."""
    placement = scoped_get(request, selectors.placement_list(request.user), pk=pk)
    form = ScoreForm(request.POST, parties=list(Party.values))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return _back(request, pk)
    try:
        with transaction.atomic():  # a refused first score leaves no empty assessment behind
            assessment = _current(placement, request.user) or assessment_open(
                placement=placement, actor=request.user
            )
            assessment = assessment_score_record(
                assessment=assessment, actor=request.user, **form.cleaned_data
            )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return _back(request, pk)
    messages.success(request, gettext("评分已签认"))
    if assessment.status == AssessmentStatus.PASSED and feature("subsidy"):
        from backend.subsidy.services import claim_accrue

        try:
            claim, created = claim_accrue(placement=placement, assessment=assessment, actor=request.user)
        except ApplicationError as exc:
            messages.warning(request, error_text(exc))
        else:
            if created:
                messages.success(
                    request, gettext("考核合格，已核定补助 %(amount)s 元") % {"amount": claim.amount}
                )
    elif assessment.status == AssessmentStatus.FAILED:
        messages.warning(request, gettext("考核不合格"))
    return _back(request, pk)
