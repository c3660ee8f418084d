"""Change requests in the portal (backend/changes): HR or the coordinator asks from the placement page, the
coordinator approves or refuses, the supplementary agreement then goes into the signing inbox and the SMS links."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.changes import selectors, services
from backend.changes.models import ChangeRequest, ChangeStatus
from backend.companies.models import Mentor, Post
from backend.core.clock import local_today
from backend.core.errors import ApplicationError
from backend.placements.models import Placement, PlacementStatus
from backend.portal.access import error_text, role_required, scoped_get
from backend.portal.widgets import IsoDateInput

parties = role_required(Role.COORDINATOR, Role.HR)
coordinator_only = role_required(Role.COORDINATOR)


class ChangeRequestForm(forms.Form):
    new_post = forms.ModelChoiceField(
        label=gettext_lazy("新岗位"), queryset=Post.objects.none(), required=False, empty_label="—"
    )
    new_mentor = forms.ModelChoiceField(
        label=gettext_lazy("新师傅"), queryset=Mentor.objects.none(), required=False, empty_label="—"
    )
    new_start_date = forms.DateField(label=gettext_lazy("新开始日期"), required=False, widget=IsoDateInput())
    new_end_date = forms.DateField(label=gettext_lazy("新结束日期"), required=False, widget=IsoDateInput())
    reason = forms.CharField(label=gettext_lazy("变更理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, placement: Placement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        company_id = placement.post.company_id
        # the placement's own company only: a change of company is an ending and a new placement
        posts = Post.objects.filter(company_id=company_id).exclude(pk=placement.post_id)
        mentors = Mentor.objects.filter(company_id=company_id)
        if placement.mentor_id is not None:
            mentors = mentors.exclude(pk=placement.mentor_id)
        post_field, mentor_field = self.fields["new_post"], self.fields["new_mentor"]
        assert isinstance(post_field, forms.ModelChoiceField)
        assert isinstance(mentor_field, forms.ModelChoiceField)
        post_field.queryset, mentor_field.queryset = posts, mentors


def _get(request: HttpRequest, pk: int) -> ChangeRequest:
    """The change request, or 404 for anyone whose scope does not hold it."""
    change = selectors.change_request_list(user=request.user).filter(pk=pk).first()
    if change is None:
        raise Http404
    return change


def _placement_url(request: HttpRequest, placement: Placement) -> str:
    from django.urls import reverse

    name = "portal:school-placement" if request.user.role == Role.COORDINATOR else "portal:company-placement"  # type: ignore[union-attr]
    return reverse(name, args=[placement.pk])


@parties
def change_new(request: HttpRequest, placement_pk: int) -> HttpResponse:
    placement = scoped_get(
        request, Placement.objects.select_related("student", "post__company", "mentor"), pk=placement_pk
    )
    form = ChangeRequestForm(request.POST or None, placement=placement)
    error = ""
    if placement.status != PlacementStatus.ACTIVE:
        error = _("只有在岗的学徒安排可以申请变更。")
    elif request.method == "POST" and form.is_valid():
        try:
            change = services.change_request_create(
                actor=request.user, placement=placement, **form.cleaned_data
            )
        except ApplicationError as exc:
            error = error_text(exc)
        else:
            messages.success(request, _("变更申请已提交，等待学校审批。"))
            return redirect("portal:change", pk=change.pk)
    return render(
        request,
        "portal/changes/new.html",
        {"placement": placement, "form": form, "error": error, "back": _placement_url(request, placement)},
    )


@parties
def change_list(request: HttpRequest) -> HttpResponse:
    changes = selectors.change_request_list(user=request.user).order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    if status in ChangeStatus.values:
        changes = changes.filter(status=status)
    return render(
        request,
        "portal/changes/list.html",
        {"changes": changes[:200], "statuses": ChangeStatus.choices, "status": status},
    )


@parties
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = _get(request, pk)
    user = request.user
    is_coordinator = user.role == Role.COORDINATOR  # type: ignore[union-attr]
    agreement = change.agreement
    envelope = None
    if agreement is not None:
        revision = agreement.revisions.order_by("-number").first()
        envelope = getattr(revision, "signing_envelope", None) if revision else None
    return render(
        request,
        "portal/changes/detail.html",
        {
            "change": change,
            "rows": selectors.change_summary(change),
            "envelope": envelope,
            "requests": list(envelope.requests.order_by("position")) if envelope else [],
            "may_decide": is_coordinator and change.status == ChangeStatus.REQUESTED,
            "may_send": is_coordinator
            and change.status in (ChangeStatus.APPROVED, ChangeStatus.SIGNING)
            and (agreement is None or agreement.status in ("draft", "void")),
            "may_withdraw": change.status
            in (ChangeStatus.REQUESTED, ChangeStatus.APPROVED, ChangeStatus.SIGNING)
            and (is_coordinator or change.requested_by_id == user.pk),
            "back": _placement_url(request, change.placement),
        },
    )


def _act(request: HttpRequest, pk: int, do: Any, done: str) -> HttpResponse:
    change = _get(request, pk)
    try:
        do(change)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect("portal:change", pk=change.pk)


@require_POST
@coordinator_only
def change_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda c: services.change_request_approve(actor=request.user, change=c, as_of=local_today()),
        _("已批准：补充协议已生成并发出签署。"),
    )


@require_POST
@coordinator_only
def change_send(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda c: services.change_request_send(actor=request.user, change=c, as_of=local_today()),
        _("补充协议已发出签署。"),
    )


@require_POST
@coordinator_only
def change_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        pk,
        lambda c: services.change_request_refuse(actor=request.user, change=c, reason=reason),
        _("已不予批准。"),
    )


@require_POST
@parties
def change_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda c: services.change_request_withdraw(actor=request.user, change=c),
        _("变更申请已撤回。"),
    )
