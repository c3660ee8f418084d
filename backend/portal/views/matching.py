"""Matching (backend.matching): run on the worker with a progress bar, review proposals with their explanations,
adjust by hand, accept into placements. Imported only when backend.matching is installed."""

import datetime
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.companies.models import Post
from backend.core.clock import local_today
from backend.core.errors import ApplicationError
from backend.matching.models import MatchRun, MatchRunStatus, Proposal, ProposalStatus, RankingRound
from backend.matching.selectors import (
    CLOSED_MESSAGES,
    ranking_posts,
    ranking_progress,
    ranking_state,
    round_students,
)
from backend.matching.services import (
    match_run_create,
    max_preferences,
    proposal_adjust,
    proposals_accept,
    ranking_round_set,
    run_pilot_ids,
    student_preferences_set,
)
from backend.placements.models import PilotProject
from backend.portal.access import error_text, role_required, school_of, scoped, scoped_get
from backend.portal.explanations import explanation_lines
from backend.portal.selectors import Series
from backend.portal.widgets import IsoDateInput
from backend.rules import gates
from backend.rules.selectors import PolicyBook

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
    return render(
        request,
        "portal/matching/home.html",
        {
            "form": form,
            "runs": runs,
            "rounds": ranking_rounds(request),
            "round_form": RankingRoundForm(request=request, initial=_round_defaults()),
        },
    )


def _round_defaults() -> dict[str, datetime.date]:
    return {
        "closes_on": local_today() + datetime.timedelta(days=14),
        "start_date": _default_dates()["start_date"],
    }


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


# --------------------------------------------------------------------------------------------------
# 志愿填报: the coordinator opens a pilot's ranking with a deadline and sees who has ranked; each student ranks.


class RankingRoundForm(forms.Form):
    pilot = forms.ModelChoiceField(label=gettext_lazy("试点项目"), queryset=PilotProject.objects.none())
    closes_on = forms.DateField(label=gettext_lazy("志愿填报截止日期（含当天）"), widget=IsoDateInput())
    start_date = forms.DateField(label=gettext_lazy("岗位开始日期"), widget=IsoDateInput())

    prefix = "round"  # the run form on the same page has its own start_date

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pilot_field = self.fields["pilot"]
        assert isinstance(pilot_field, forms.ModelChoiceField)
        pilot_field.queryset = scoped(request, PilotProject.objects.all())
        pilot_field.empty_label = None


def ranking_rounds(request: HttpRequest) -> list[dict[str, Any]]:
    """Each round of the coordinator's school with how many of its students have ranked."""
    today = local_today()
    rounds = scoped(request, RankingRound.objects.select_related("pilot")).order_by("-closes_on", "pk")
    return [{"round": r, "open": today <= r.closes_on, "progress": ranking_progress(r)} for r in rounds]


@require_POST
@coordinator_only
def ranking_round_set_view(request: HttpRequest) -> HttpResponse:
    form = RankingRoundForm(request.POST, request=request)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ranking_round_set(
                actor=request.user,
                pilot=data["pilot"],
                closes_on=data["closes_on"],
                start_date=data["start_date"],
            )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request,
                _("志愿填报截止日期已设为 %(date)s") % {"date": data["closes_on"].isoformat()},
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("portal:school-matching")


RANKED_FILTERS = {"": gettext_lazy("全部"), "done": gettext_lazy("已填报"), "missing": gettext_lazy("未填报")}


@coordinator_only
def ranking_students(request: HttpRequest, pk: int) -> HttpResponse:
    """Who of a round's students has ranked and who has not (filter ?ranked=done|missing)."""
    ranking = scoped_get(request, RankingRound.objects.select_related("pilot"), pk=pk)
    which = request.GET.get("ranked", "")
    students = round_students(ranking)
    if which == "done":
        students = students.filter(ranked__gt=0)
    elif which == "missing":
        students = students.filter(ranked=0)
    return render(
        request,
        "portal/matching/ranking_students.html",
        {
            "ranking": ranking,
            "open": local_today() <= ranking.closes_on,
            "progress": ranking_progress(ranking),
            "students": students,
            "which": which,
            "filters": RANKED_FILTERS.items(),
        },
    )


student_only = role_required(Role.STUDENT)
CITY = re.compile(r"^(.{2,}?(?:市|自治州|州|盟|地区))")


def _city(*addresses: str) -> str:
    for address in addresses:
        found = CITY.match(address or "")
        if found:
            return found.group(1)
    return ""


def _post_facts(post: Post, policy: Any) -> dict[str, Any]:
    site = getattr(getattr(post, "work_site_link", None), "site", None)
    return {
        "post": post,
        "site": (site.name if site else "") or post.location,
        "city": _city(getattr(site, "address", ""), post.location, post.company.address),
        "pay": gates.pay_floor(post.monthly_wage, policy),
    }


def _draft_after(op: str, draft: list[int], open_ids: set[int], limit: int) -> list[int]:
    """The ranked list after one button (add:<id>, up:<id>, down:<id>, remove:<id>); unknown ops change nothing."""
    verb, _sep, raw = op.partition(":")
    if not raw.isdigit():
        return draft
    pk = int(raw)
    draft = list(draft)
    if verb == "add" and pk in open_ids and pk not in draft and len(draft) < limit:
        draft.append(pk)
    elif pk in draft:
        i = draft.index(pk)
        if verb == "remove":
            draft.pop(i)
        elif verb == "up" and i > 0:
            draft[i - 1], draft[i] = draft[i], draft[i - 1]
        elif verb == "down" and i < len(draft) - 1:
            draft[i + 1], draft[i] = draft[i], draft[i + 1]
    return draft


@student_only
def my_ranking(request: HttpRequest) -> HttpResponse:
    """The student's ranking page: the posts open to them, their list in order (buttons that work without script:
    every button posts the list and the page comes back with it changed), saved with 保存志愿."""
    student = getattr(request.user, "student", None)
    if student is None:
        raise Http404
    today = local_today()
    state = ranking_state(student=student, today=today)
    limit = max_preferences()
    posts: list[Post] = (
        ranking_posts(ranking=state.round, student=student) if state.round and state.open else []
    )
    by_id = {p.pk: p for p in posts}
    saved = [pref.post_id for pref in state.saved]
    draft = saved
    error = None
    changed = False
    if request.method == "POST":
        if not state.open:
            error = _closed_text(state.reason)
        else:
            draft = [int(i) for i in request.POST.getlist("post") if i.isdigit()]
            op = request.POST.get("op", "")
            if op == "save":
                found = Post.objects.in_bulk(draft)  # the service refuses any that is not open to the student
                try:
                    student_preferences_set(
                        actor=request.user,
                        student=student,
                        posts=[found[i] for i in draft if i in found],
                        today=today,
                    )
                except ApplicationError as exc:
                    error = error_text(exc)
                else:
                    messages.success(
                        request,
                        ngettext("已保存 %(n)d 个志愿", "已保存 %(n)d 个志愿", len(draft))
                        % {"n": len(draft)},
                    )
                    return redirect("portal:me-ranking")
            else:
                draft = _draft_after(op, draft, set(by_id), limit)
            changed = draft != saved
    policy = (
        PolicyBook().policy(pilot_id=state.round.pilot_id, on=state.round.start_date) if state.round else None
    )
    chosen = [by_id[i] for i in draft if i in by_id]
    return render(
        request,
        "portal/matching/my_ranking.html",
        {
            "state": state,
            "closed_text": _closed_text(state.reason) if not state.open else "",
            "limit": limit,
            "chosen": [_post_facts(p, policy) for p in chosen],
            "available": [_post_facts(p, policy) for p in posts if p.pk not in draft],
            "full": len(chosen) >= limit,
            "changed": changed,
            "error": error,
            "hours": _hours(policy) if policy else None,
        },
        status=400 if error else 200,
    )


def _hours(policy: Any) -> dict[str, Any]:
    """The working-time limits every post keeps (DAILY_HOURS, WEEKLY_HOURS, NIGHT_WORK), as a student reads them."""
    return {
        "day": policy.max_daily_minutes // 60,
        "week": policy.max_weekly_minutes // 60,
        "night": f"{policy.night_start:%H:%M}–{policy.night_end:%H:%M}",
    }


def _closed_text(reason: str | None) -> str:
    zh, en = CLOSED_MESSAGES.get(reason or "", ("", ""))
    return zh if (get_language() or "zh").startswith("zh") else en
