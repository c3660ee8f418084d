"""The enterprise HR portal (企业): dashboard, company profile, posts, mentors, candidates and placements."""

from typing import Any

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from backend.accounts.models import Role
from backend.companies.models import Mentor, Post
from backend.companies.services import company_update, mentor_create, mentor_update, post_create, post_update
from backend.core.errors import ApplicationError
from backend.placements.models import PlacementStatus
from backend.portal import integrations, links, selectors
from backend.portal.access import company_of, error_text, role_required, scoped_get
from backend.portal.filters import CompanyPlacementFilter, MentorFilter, PostFilter
from backend.portal.forms import CompanyProfileForm, MentorForm, PostForm
from backend.portal.views.common import filtered_list
from backend.portal.views.school import placement_context

hr_only = role_required(Role.HR)


def _service_errors_to_form(form: BaseForm, exc: ApplicationError) -> None:
    """Field errors from a service land on their fields; the rest on the form."""
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for field, problems in details.items():
        if field in form.fields:
            form.add_error(field, [str(p) for p in problems] if isinstance(problems, list) else str(problems))
            placed = True
    if not placed:
        form.add_error(None, error_text(exc))


@hr_only
def dashboard(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    placements = selectors.placements_by_status(request.user)
    candidates = selectors.placement_list(request.user).filter(
        status__in=[PlacementStatus.PROPOSED, PlacementStatus.SIGNING]
    )
    violations = integrations.open_violations_by_rule(request.user)
    awaiting = integrations.signatures_awaiting_own_party(request.user)
    links.company_dashboard(placements=placements, violations=violations, awaiting=awaiting)
    return render(
        request,
        "portal/company/dashboard.html",
        {
            "company": company,
            "placements": placements,
            "posts": selectors.post_list(request.user),
            "mentor_count": selectors.mentor_list(request.user).count(),
            "candidates": candidates[:10],
            "violations": violations,
            "awaiting": awaiting,
        },
    )


@hr_only
def profile(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    editing = request.GET.get("edit") == "1" or request.method == "POST"
    form = CompanyProfileForm(request.POST or None, instance=company) if editing else None
    if form is not None and request.method == "POST" and form.is_valid():
        data: dict[str, Any] = {f: form.cleaned_data[f] for f in form.changed_data}
        fresh = scoped_get(request, type(company).objects.all(), pk=company.pk)
        try:
            company_update(actor=request.user, company=fresh, data=data)
        except ApplicationError as exc:
            _service_errors_to_form(form, exc)
        else:
            messages.success(request, _("企业信息已保存"))
            return redirect("portal:company-profile")
    return render(request, "portal/company/profile.html", {"company": company, "form": form})


@hr_only
def posts(request: HttpRequest) -> HttpResponse:
    return filtered_list(
        request,
        filterset_class=PostFilter,
        queryset=selectors.post_list(request.user),
        template="portal/company/posts.html",
    )


@hr_only
def post_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    company = company_of(request)
    post = scoped_get(request, Post.objects.all(), pk=pk) if pk else None
    form = PostForm(request.POST or None, instance=post)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in PostForm.Meta.fields}
        try:
            if post is None:
                post_create(actor=request.user, data={"company": company, **data})
            else:
                post_update(
                    actor=request.user, post=scoped_get(request, Post.objects.all(), pk=pk), data=data
                )
        except ApplicationError as exc:
            _service_errors_to_form(form, exc)
        else:
            messages.success(request, _("岗位已保存"))
            return redirect("portal:company-posts")
    return render(request, "portal/company/post_form.html", {"form": form, "post": post})


@hr_only
def mentors(request: HttpRequest) -> HttpResponse:
    return filtered_list(
        request,
        filterset_class=MentorFilter,
        queryset=selectors.mentor_list(request.user),
        template="portal/company/mentors.html",
    )


@hr_only
def mentor_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    company = company_of(request)
    mentor = scoped_get(request, Mentor.objects.all(), pk=pk) if pk else None
    form = MentorForm(request.POST or None, instance=mentor, company=company)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in MentorForm.Meta.fields}
        try:
            if mentor is None:
                mentor_create(actor=request.user, data={"company": company, **data})
            else:
                mentor_update(
                    actor=request.user, mentor=scoped_get(request, Mentor.objects.all(), pk=pk), data=data
                )
        except ApplicationError as exc:
            _service_errors_to_form(form, exc)
        else:
            messages.success(request, _("师傅信息已保存"))
            return redirect("portal:company-mentors")
    return render(request, "portal/company/mentor_form.html", {"form": form, "mentor": mentor})


@hr_only
def placements(request: HttpRequest) -> HttpResponse:
    return filtered_list(
        request,
        filterset_class=CompanyPlacementFilter,
        queryset=selectors.placement_list(request.user),
        template="portal/company/placements.html",
    )


@hr_only
def placement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "portal/placement_detail.html", placement_context(request, pk))
