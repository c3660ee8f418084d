"""Agreements (backend.agreements, with backend.signing when installed): generate for a cohort with a progress bar,
each agreement's signing state, send, remind, void and replace, PDF and ZIP downloads.

Imported only when backend.agreements is installed (see backend/portal/urls.py)."""

from typing import Any

import django_filters
from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.accounts.scoping import request_scoped, scope_queryset
from backend.agreements import selectors
from backend.agreements.models import AgreementBatch, AgreementKind, AgreementStatus
from backend.agreements.services import agreement_batch_create, agreement_batch_rerun, agreement_replace
from backend.core.errors import ApplicationError
from backend.portal.access import error_text, feature, role_required, scoped, scoped_get
from backend.portal.filters import SearchFilterSet
from backend.schools.models import Cohort

coordinator_only = role_required(Role.COORDINATOR)
hr_only = role_required(Role.HR)
AWAITING_CHOICES = [
    ("student", gettext_lazy("学生")),
    ("guardian", gettext_lazy("监护人")),
    ("company", gettext_lazy("企业")),
    ("school", gettext_lazy("学校")),
]


class AgreementFilter(SearchFilterSet):
    search_fields = ("number", "placement__student__name", "placement__post__company__name")
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=AgreementStatus.choices)
    kind = django_filters.ChoiceFilter(label=gettext_lazy("协议类型"), choices=AgreementKind.choices)
    cohort = django_filters.ModelChoiceFilter(
        label=gettext_lazy("年级"), field_name="placement__student__cohort", queryset=request_scoped(Cohort)
    )
    awaiting = django_filters.ChoiceFilter(
        label=gettext_lazy("等待签署方"), choices=AWAITING_CHOICES, method="filter_awaiting"
    )

    class Meta:
        model = selectors.Agreement
        fields = ["q", "status", "kind", "cohort", "awaiting"]

    def filter_awaiting(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Agreements whose signature request of this party is pending: it is that party's turn."""
        if not value or not feature("signing"):
            return queryset
        return queryset.filter(
            revisions__signing_envelope__requests__party=value,
            revisions__signing_envelope__requests__status="pending",
        ).distinct()


def _get(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.agreement_get(user=request.user, pk=pk)
    except ApplicationError as exc:
        raise Http404 from exc


def _envelopes(user: Any, agreements: Any) -> dict[int, Any]:
    """The newest signing envelope of each agreement (with its requests), when signing is installed."""
    if not feature("signing"):
        return {}
    from backend.signing.models import SigningEnvelope

    ids = [a.pk for a in agreements]
    envelopes = (
        scope_queryset(user, SigningEnvelope.objects.all())
        .filter(revision__agreement_id__in=ids)
        .select_related("revision")
        .prefetch_related("requests")
        .order_by("created_at", "id")
    )
    return {e.revision.agreement_id: e for e in envelopes if e.revision}  # the newest wins


def _attach_state(user: Any, agreements: Any) -> None:
    envelopes = _envelopes(user, agreements)
    for agreement in agreements:
        agreement.envelope = envelopes.get(agreement.pk)


# --- coordinator -------------------------------------------------------------------------------------------------


@coordinator_only
def school_agreements(request: HttpRequest) -> HttpResponse:
    queryset = selectors.agreement_list(user=request.user).order_by("-created_at", "-id")
    filterset = AgreementFilter(request.GET or None, queryset=queryset, request=request)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    from django.core.paginator import Paginator

    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    _attach_state(request.user, page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/agreements/school_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "cohorts": scoped(request, Cohort.objects.select_related("program")),
            "batches": scoped(request, AgreementBatch.objects.select_related("cohort__program", "pilot"))[:5],
            "signing": feature("signing"),
        },
    )


@require_POST
@coordinator_only
def batch_create(request: HttpRequest) -> HttpResponse:
    cohort = scoped_get(request, Cohort.objects.all(), pk=request.POST.get("cohort") or 0)
    try:
        batch = agreement_batch_create(actor=request.user, cohort=cohort)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("portal:school-agreements")
    return redirect("portal:school-agreement-batch", pk=batch.pk)


def _batch(request: HttpRequest, pk: int) -> AgreementBatch:
    try:
        return selectors.agreement_batch_get(user=request.user, pk=pk)
    except ApplicationError as exc:
        raise Http404 from exc


# A failed batch item stores its refusal's code and Chinese message; in English the code's label is shown.
FAILURE_LABELS = {
    "AGE_MIN": gettext_lazy("学生在协议开始日未满16岁，不能签订协议"),
    "PAY_FLOOR": gettext_lazy("学徒报酬低于同岗位职工工资的80%"),
    "AGREEMENT_RENDER_FAILED": gettext_lazy("协议生成失败，请重试"),
    "PDF_CONVERSION_FAILED": gettext_lazy("PDF 转换失败，请重试"),
    "AGREEMENT_SIGNED": gettext_lazy("协议已签署，不能重新生成"),
}


def _explain_failures(request: HttpRequest, failures: list[dict[str, Any]]) -> None:
    """Each failure in the page's language; a placement that lacks data lists what it lacks, linked to the fix."""
    from backend.portal.completeness import agreement_missing, with_completeness
    from backend.portal.selectors import placement_list

    ids = [f["placement"] for f in failures]
    placements = {p.pk: p for p in with_completeness(placement_list(request.user)).filter(pk__in=ids)}
    zh = (get_language() or "zh").startswith("zh")
    for failure in failures:
        placement = placements.get(failure["placement"])
        failure["missing"] = agreement_missing(placement) if placement is not None else []
        label = FAILURE_LABELS.get(failure["code"])
        failure["text"] = (
            failure["message"] if zh else str(label or FAILURE_LABELS["AGREEMENT_RENDER_FAILED"])
        )
        failure["url"] = (
            reverse("portal:school-placement", args=[placement.pk]) if placement is not None else ""
        )


@coordinator_only
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    progress = selectors.agreement_batch_progress(batch=batch)
    _explain_failures(request, progress["failures"])
    template = "portal/agreements/_progress.html" if request.htmx else "portal/agreements/batch.html"  # type: ignore[attr-defined]
    return render(request, template, {"batch": batch, "progress": progress})


@require_POST
@coordinator_only
def batch_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    agreement_batch_rerun(actor=request.user, batch=_batch(request, pk))
    return redirect("portal:school-agreement-batch", pk=pk)


@coordinator_only
def batch_zip(request: HttpRequest, pk: int) -> FileResponse:
    batch = _batch(request, pk)
    return FileResponse(
        selectors.agreement_batch_zip(batch=batch),
        as_attachment=True,
        filename=f"xuetu-agreements-batch-{batch.pk}.zip",
        content_type="application/zip",
    )


def _detail_context(request: HttpRequest, agreement: Any) -> dict[str, Any]:
    _attach_state(request.user, [agreement])
    revisions = agreement.revisions.order_by("-number")
    return {
        "agreement": agreement,
        "revisions": revisions,
        "current": revisions.first(),
        "envelope": agreement.envelope,
        "signing": feature("signing"),
    }


@coordinator_only
def school_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get(request, pk)
    return render(request, "portal/agreements/school_detail.html", _detail_context(request, agreement))


def _revision_pdf(request: HttpRequest, pk: int) -> FileResponse:
    number = request.GET.get("revision")
    try:
        revision = selectors.agreement_revision_get(
            user=request.user, agreement_pk=pk, number=int(number) if number and number.isdigit() else None
        )
    except ApplicationError as exc:
        raise Http404 from exc
    name = f"{revision.agreement.number}-r{revision.number}.pdf"
    return FileResponse(
        revision.pdf.open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )


@coordinator_only
def school_agreement_pdf(request: HttpRequest, pk: int) -> FileResponse:
    return _revision_pdf(request, pk)


def _sealed_pdf(request: HttpRequest, pk: int) -> FileResponse:
    agreement = _get(request, pk)
    _attach_state(request.user, [agreement])
    if not feature("signing") or agreement.envelope is None:
        raise Http404
    from backend.signing.selectors import sealed_agreement_get

    try:
        sealed = sealed_agreement_get(user=request.user, envelope_pk=agreement.envelope.pk)
    except ApplicationError as exc:
        raise Http404 from exc
    return FileResponse(
        sealed.pdf.open("rb"),
        as_attachment=True,
        filename=f"{agreement.number}-sealed.pdf",
        content_type="application/pdf",
    )


@coordinator_only
def school_agreement_sealed(request: HttpRequest, pk: int) -> FileResponse:
    return _sealed_pdf(request, pk)


@require_POST
@coordinator_only
def school_agreement_send(request: HttpRequest, pk: int) -> HttpResponse:
    from backend.signing.services import signing_send

    agreement = _get(request, pk)
    revision = agreement.revisions.order_by("-number").first()
    try:
        if revision is None:
            raise Http404
        signing_send(actor=request.user, revision=revision, now=timezone.now())
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("协议已发出签署，已通知第一位签署方"))
    return redirect("portal:school-agreement", pk=pk)


@require_POST
@coordinator_only
def school_agreement_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """Remind the party whose turn it is (at most once per reminder interval), or re-send an expired request."""
    from backend.signing.models import RequestStatus
    from backend.signing.services import signing_remind, signing_resend

    agreement = _get(request, pk)
    _attach_state(request.user, [agreement])
    envelope = agreement.envelope
    if envelope is None:
        raise Http404
    now = timezone.now()
    try:
        expired = envelope.requests.filter(status=RequestStatus.EXPIRED).first()
        if expired is not None:
            signing_resend(actor=request.user, request=expired, now=now)
            messages.success(request, _("已重新发送签署请求"))
        else:
            pending = envelope.requests.filter(status=RequestStatus.PENDING).first()
            if pending is not None and signing_remind(request_id=pending.pk, now=now):
                messages.success(request, _("已发送提醒"))
            else:
                messages.warning(request, _("现在无需提醒：最近已提醒过，或没有待签署的一方"))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    return redirect("portal:school-agreement", pk=pk)


@require_POST
@coordinator_only
def school_agreement_replace(request: HttpRequest, pk: int) -> HttpResponse:
    """Void the agreement (and its signing, whose links stop working) and generate its replacement."""
    agreement = _get(request, pk)
    _attach_state(request.user, [agreement])
    reason = request.POST.get("reason", "").strip()
    try:
        if not reason:
            raise ApplicationError("VOID_REASON", "作废须填写原因。", "Voiding needs a reason.")
        # One service: voiding closes the signing (links, requests, reminders) and the replacement records
        # what it replaces.
        replacement = agreement_replace(actor=request.user, agreement=agreement, reason=reason)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("portal:school-agreement", pk=pk)
    messages.success(request, _("协议已作废，已生成替代协议 %(number)s") % {"number": replacement.number})
    return redirect("portal:school-agreement", pk=replacement.pk)


# --- HR ----------------------------------------------------------------------------------------------------------


@hr_only
def company_agreements(request: HttpRequest) -> HttpResponse:
    queryset: QuerySet = selectors.agreement_list(user=request.user).exclude(status=AgreementStatus.DRAFT)
    queryset = queryset.order_by("-created_at", "-id")
    filterset = AgreementFilter(request.GET or None, queryset=queryset, request=request)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    from django.core.paginator import Paginator

    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    _attach_state(request.user, page.object_list)
    to_sign: Any = []
    if feature("signing"):
        from backend.signing.selectors import signature_request_list

        to_sign = signature_request_list(user=request.user, status="pending")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/agreements/company_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode(), "to_sign": to_sign},
    )


@hr_only
def company_agreement_pdf(request: HttpRequest, pk: int) -> FileResponse:
    return _revision_pdf(request, pk)


@hr_only
def company_agreement_sealed(request: HttpRequest, pk: int) -> FileResponse:
    return _sealed_pdf(request, pk)
