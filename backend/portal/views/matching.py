"""Matching (backend.matching): run on the worker with a progress bar, review proposals with their explanations,
adjust by hand, accept into placements. Imported only when backend.matching is installed."""

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.companies.models import Post
from backend.core.errors import ApplicationError
from backend.matching.models import MatchRun, MatchRunStatus, Proposal, ProposalStatus
from backend.matching.services import (
    match_run_create,
    proposal_adjust,
    proposals_accept,
    run_pilot_ids,
)
from backend.placements.models import PilotProject
from backend.portal.access import error_text, role_required, school_of, scoped, scoped_get
from backend.portal.explanations import explanation_lines
from backend.portal.selectors import Series
from backend.portal.widgets import IsoDateInput

coordinator_only = role_required(Role.COORDINATOR)
PHASE_LABELS = {
    "load": gettext_lazy("读取志愿与岗位"),
    "match": gettext_lazy("匹配"),
    "explain": gettext_lazy("生成说明"),
    "write": gettext_lazy("保存结果"),
    "done": gettext_lazy("已完成"),
}


class RunForm(forms.Form):
    pilot = forms.ModelChoiceField(
        label=gettext_lazy("试点项目"),
        queryset=PilotProject.objects.none(),
        required=False,
        empty_label=gettext_lazy("本校全部"),
    )
    start_date = forms.DateField(label=gettext_lazy("岗位开始日期"), widget=IsoDateInput())
    end_date = forms.DateField(label=gettext_lazy("岗位结束日期"), widget=IsoDateInput())
    seed = forms.IntegerField(label=gettext_lazy("随机种子（可选，用于复现）"), required=False, min_value=0)

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pilot_field = self.fields["pilot"]
        assert isinstance(pilot_field, forms.ModelChoiceField)
        pilot_field.queryset = scoped(request, PilotProject.objects.all())


def _default_dates() -> dict[str, datetime.date]:
    today = timezone.localdate()
    year = today.year if today.month < 9 else today.year + 1
    return {"start_date": datetime.date(year, 9, 1), "end_date": datetime.date(year + 1, 1, 31)}


@coordinator_only
def matching_home(request: HttpRequest) -> HttpResponse:
    school = school_of(request)
    form = RunForm(request.POST or None, request=request, initial=_default_dates())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = match_run_create(
                actor=request.user,
                school_id=school.pk,
                start_date=data["start_date"],
                end_date=data["end_date"],
                pilot=data["pilot"],
                seed=data["seed"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            return redirect("portal:school-matching-run", pk=run.pk)
    runs = scoped(request, MatchRun.objects.select_related("pilot")).order_by("-created_at")[:20]
    return render(request, "portal/matching/home.html", {"form": form, "runs": runs})


@coordinator_only
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = scoped_get(request, MatchRun.objects.select_related("pilot"), pk=pk)
    running = run.status in (MatchRunStatus.QUEUED, MatchRunStatus.RUNNING)
    if request.htmx and request.GET.get("poll"):  # type: ignore[attr-defined]
        response = render(
            request,
            "portal/matching/_progress.html",
            {"run": run, "phase": PHASE_LABELS.get(run.phase, run.phase)},
        )
        if not running:
            response["HX-Refresh"] = "true"  # finished: load the page with the proposals
        return response
    proposals = (
        scoped(request, Proposal.objects.filter(run=run))
        .select_related("student__cohort__program", "post__company", "mentor", "placement")
        .order_by("post__company__name", "post__title", "student__name")
    )
    pilots = run_pilot_ids(run) if not running else []
    choices = scoped(request, Post.objects.filter(company__pilots__in=pilots).distinct()).select_related(
        "company"
    )
    posts = {p.pk: f"{p.company.name} · {p.title}" for p in choices}
    rows: list[dict[str, Any]] = [{"p": p, "why": explanation_lines(p.explanation, posts)} for p in proposals]
    open_count = sum(1 for p in proposals if p.status == ProposalStatus.PROPOSED and p.post_id)
    by_choice = run.statistics.get("by_choice", []) if run.statistics else []
    chart = Series(
        keys=[str(c["choice"]) for c in by_choice],
        labels=[(_("第 %(n)s 志愿") % {"n": c["choice"]}) for c in by_choice],
        values=[c["count"] for c in by_choice],
    )
    return render(
        request,
        "portal/matching/run.html",
        {
            "run": run,
            "running": running,
            "phase": PHASE_LABELS.get(run.phase, run.phase),
            "rows": rows,
            "posts": sorted(posts.items(), key=lambda kv: kv[1]),
            "chart": chart,
            "open_count": open_count,
        },
    )


@require_POST
@coordinator_only
def proposal_adjust_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = scoped_get(request, Proposal.objects.select_related("run"), pk=pk)
    post_id = request.POST.get("post") or ""
    post = scoped_get(request, Post.objects.all(), pk=post_id) if post_id else None
    try:
        proposal_adjust(actor=request.user, proposal=proposal, post=post)
    except ApplicationError as exc:
        messages.error(request, f"{proposal.student.name}: {error_text(exc)}")
    else:
        messages.success(request, _("已调整 %(name)s 的岗位") % {"name": proposal.student.name})
    return redirect("portal:school-matching-run", pk=proposal.run_id)


@require_POST
@coordinator_only
def run_accept(request: HttpRequest, pk: int) -> HttpResponse:
    run = scoped_get(request, MatchRun.objects.all(), pk=pk)
    chosen = [int(i) for i in request.POST.getlist("proposal") if i.isdigit()]
    ids = None if request.POST.get("all") else chosen
    if ids is not None and not ids:
        messages.warning(request, _("请勾选要确认的匹配结果"))
        return redirect("portal:school-matching-run", pk=pk)
    if ids is not None:
        ids = list(scoped(request, Proposal.objects.filter(run=run, pk__in=ids)).values_list("pk", flat=True))
    try:
        accepted = proposals_accept(actor=request.user, run=run, proposal_ids=ids)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            ngettext(
                "已确认 %(n)d 条匹配结果，已生成“拟安排”的岗位安排",
                "已确认 %(n)d 条匹配结果，已生成“拟安排”的岗位安排",
                len(accepted),
            )
            % {"n": len(accepted)},
        )
    return redirect("portal:school-matching-run", pk=pk)
