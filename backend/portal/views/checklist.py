"""The "八个事先" checklist in the portal. The coordinator records a company's visit report and approval, uploads the
pilot's plans, and does the cohort work in bulk (filing, consent, safety training, out-of-province approval: pick
the placements from a list, or take every listed one); HR reads its own company's visit reports and approval. Every
write is one service call of backend.checklist; files are served only through these scoped views."""

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.accounts.scoping import scope_queryset
from backend.checklist import selectors, services
from backend.checklist.models import ConsentStatus, HostVisitPhoto, PilotDocument, PilotDocumentKind
from backend.companies.models import Company
from backend.core.errors import ApplicationError
from backend.placements.models import PilotProject, Placement, PlacementStatus
from backend.portal.access import company_of, error_text, role_required, school_of, scoped_get
from backend.portal.rules_labels import rule_label
from backend.portal.widgets import IsoDateInput
from backend.rules.codes import CHECKLIST_CODES

coordinator_only = role_required(Role.COORDINATOR)
hr_only = role_required(Role.HR)
OPEN = (PlacementStatus.PROPOSED, PlacementStatus.SIGNING)


# -- forms --------------------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=gettext_lazy("走访日期"), widget=IsoDateInput())
    visitors = forms.CharField(label=gettext_lazy("走访人员"), max_length=300)
    findings_safety = forms.CharField(
        label=gettext_lazy("安全生产情况"), widget=forms.Textarea(attrs={"rows": 3})
    )
    findings_posts = forms.CharField(label=gettext_lazy("岗位情况"), widget=forms.Textarea(attrs={"rows": 3}))
    findings_lodging = forms.CharField(
        label=gettext_lazy("食宿情况"), widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(
        label=gettext_lazy("照片（JPG/PNG，每张不超过10MB）"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class ApprovalForm(forms.Form):
    approved_on = forms.DateField(label=gettext_lazy("批准日期"), widget=IsoDateInput())
    approver = forms.CharField(label=gettext_lazy("批准人"), max_length=100)
    reference = forms.CharField(label=gettext_lazy("批准文号"), max_length=100)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("文件类型"), choices=PilotDocumentKind.choices)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200, required=False)
    upload = forms.FileField(label=gettext_lazy("文件（PDF/DOCX，不超过10MB）"))


class FilingForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("备案编号"), max_length=100)
    filed_on = forms.DateField(label=gettext_lazy("备案日期"), widget=IsoDateInput())
    authority = forms.CharField(label=gettext_lazy("备案部门"), max_length=200)


class ConsentForm(forms.Form):
    student_signed_on = forms.DateField(label=gettext_lazy("学生签署日期"), widget=IsoDateInput())
    guardian_signed_on = forms.DateField(label=gettext_lazy("监护人签署日期"), widget=IsoDateInput())
    upload = forms.FileField(label=gettext_lazy("扫描件（可选，PDF/JPG/PNG）"), required=False)


class TrainingForm(forms.Form):
    held_on = forms.DateField(label=gettext_lazy("培训日期"), widget=IsoDateInput())
    hours = forms.DecimalField(label=gettext_lazy("学时"), min_value=0.5, max_digits=5, decimal_places=1)
    content = forms.CharField(label=gettext_lazy("培训内容"), widget=forms.Textarea(attrs={"rows": 3}))
    trainer = forms.CharField(label=gettext_lazy("授课人"), max_length=100, required=False)


class ProvinceForm(forms.Form):
    department = forms.CharField(label=gettext_lazy("审批部门"), max_length=200)
    reference = forms.CharField(label=gettext_lazy("批准文号"), max_length=100)
    approved_on = forms.DateField(label=gettext_lazy("批准日期"), widget=IsoDateInput())


# kind -> (form, the checklist code it ticks, page title)
BULK: dict[str, tuple[type[forms.Form], str, Any]] = {
    "filing": (FilingForm, "FILING", gettext_lazy("实习备案（批量）")),
    "consent": (ConsentForm, "CONSENT", gettext_lazy("知情同意书登记（批量）")),
    "training": (TrainingForm, "SAFETY_TRAINING", gettext_lazy("岗前安全培训签到（批量）")),
    "province": (ProvinceForm, "OUT_OF_PROVINCE", gettext_lazy("跨省实习审批（批量）")),
}


# -- helpers ------------------------------------------------------------------------------------------------------


def _pilots(request: HttpRequest) -> QuerySet[PilotProject]:
    school = school_of(request)
    return scope_queryset(request.user, PilotProject.objects.filter(school=school)).prefetch_related(
        "companies"
    )


def _pilot(request: HttpRequest, value: Any) -> PilotProject:
    pilots = _pilots(request)
    if value in (None, ""):
        first = pilots.first()
        if first is None:
            raise Http404
        return first
    if not str(value).isdigit():
        raise Http404
    return scoped_get(request, pilots, pk=int(value))


def _placements(request: HttpRequest, pilot: PilotProject, statuses: Any = OPEN) -> list[Placement]:
    qs = scope_queryset(request.user, Placement.objects.filter(pilot=pilot, status__in=statuses))
    return list(
        qs.select_related("student__cohort", "post__company", "pilot__school").order_by("student__name", "id")
    )


def consent_view(state: selectors.ConsentState) -> dict[str, Any]:
    """A placement's consent in words for the pages: which form ticks it, the online form's state and signers."""
    words = {"student": _("学生"), "guardian": _("监护人")}
    document = state.document
    return {
        "via": state.via,
        "document": document,
        "status": document.get_status_display() if document else "",
        "signed": [words.get(p, p) for p in state.signed],
        "waiting": [words.get(p, p) for p in state.waiting],
        "pdf": reverse("portal:checklist-consent-pdf", args=[document.pk]) if document else "",
    }


def _rows(placements: list[Placement], *, consent: bool = False) -> list[dict[str, Any]]:
    status = selectors.checklist_status(placements)
    states = selectors.consent_states(placements) if consent else {}
    out = []
    for p in placements:
        items = status.get(p.pk, {})
        out.append(
            {
                "placement": p,
                "items": [
                    {"code": code, "name": rule_label(code), "done": items.get(code)}
                    for code in CHECKLIST_CODES
                ],
                "missing": [rule_label(c) for c, done in items.items() if not done],
                "consent": consent_view(states[p.pk]) if p.pk in states else None,
            }
        )
    return out


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, error_text(exc))


# -- coordinator pages --------------------------------------------------------------------------------------------


@coordinator_only
def index(request: HttpRequest) -> HttpResponse:
    """The checklist of one pilot: its companies (visit, approval), its plans, and each open placement's items."""
    pilots = list(_pilots(request))
    pilot = _pilot(request, request.GET.get("pilot"))
    school = pilot.school
    visits = list(selectors.host_visit_list(user=request.user).filter(pilot__school=school))
    approvals = {
        a.company_id: a for a in selectors.host_approval_list(user=request.user).filter(school=school)
    }
    companies = [
        {
            "company": c,
            "visits": [v for v in visits if v.company_id == c.pk],
            "approval": approvals.get(c.pk),
        }
        for c in pilot.companies.all().order_by("name")
    ]
    documents = list(selectors.pilot_document_list(user=request.user).filter(pilot=pilot))
    plans = [
        {"kind": kind, "label": kind.label, "versions": [d for d in documents if d.kind == kind]}
        for kind in PilotDocumentKind
    ]
    return render(
        request,
        "portal/checklist/index.html",
        {
            "pilots": pilots,
            "pilot": pilot,
            "companies": companies,
            "plans": plans,
            "rows": _rows(_placements(request, pilot)),
            "codes": [(c, rule_label(c)) for c in CHECKLIST_CODES],
            "filings": selectors.filing_list(user=request.user).filter(pilot=pilot)[:20],
            "trainings": selectors.safety_training_list(user=request.user).filter(pilot=pilot)[:20],
        },
    )


@coordinator_only
def visit_new(request: HttpRequest) -> HttpResponse:
    pilot = _pilot(request, request.GET.get("pilot") or request.POST.get("pilot"))
    company = scoped_get(
        request, pilot.companies.all(), pk=_int(request.GET.get("company") or request.POST.get("company"))
    )
    form = VisitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.host_visit_create(actor=request.user, pilot=pilot, company=company, **form.cleaned_data)
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("已记录对 %(company)s 的走访报告") % {"company": company.name})
            return redirect(f"{reverse('portal:checklist')}?pilot={pilot.pk}")
    return render(
        request,
        "portal/checklist/form.html",
        {
            "form": form,
            "pilot": pilot,
            "title": _("企业走访报告"),
            "subject": company.name,
            "hidden": {"pilot": pilot.pk, "company": company.pk},
            "multipart": True,
            "testid": "visit-form",
        },
    )


@coordinator_only
def approval_new(request: HttpRequest) -> HttpResponse:
    pilot = _pilot(request, request.GET.get("pilot") or request.POST.get("pilot"))
    company = scoped_get(
        request, pilot.companies.all(), pk=_int(request.GET.get("company") or request.POST.get("company"))
    )
    form = ApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.host_approval_record(
                actor=request.user, school=pilot.school, company=company, **form.cleaned_data
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("%(company)s 已列入合作企业名单") % {"company": company.name})
            return redirect(f"{reverse('portal:checklist')}?pilot={pilot.pk}")
    return render(
        request,
        "portal/checklist/form.html",
        {
            "form": form,
            "pilot": pilot,
            "title": _("合作企业准入"),
            "subject": company.name,
            "hidden": {"pilot": pilot.pk, "company": company.pk},
            "testid": "approval-form",
        },
    )


@coordinator_only
def document_new(request: HttpRequest) -> HttpResponse:
    pilot = _pilot(request, request.GET.get("pilot") or request.POST.get("pilot"))
    kind = request.GET.get("kind")
    form = DocumentForm(
        request.POST or None,
        request.FILES or None,
        initial={"kind": kind} if kind in PilotDocumentKind.values else {},
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = services.pilot_document_upload(actor=request.user, pilot=pilot, **form.cleaned_data)
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(
                request,
                _("已上传%(kind)s 第 %(v)s 版")
                % {"kind": document.get_kind_display(), "v": document.version},
            )
            return redirect(f"{reverse('portal:checklist')}?pilot={pilot.pk}")
    return render(
        request,
        "portal/checklist/form.html",
        {
            "form": form,
            "pilot": pilot,
            "title": _("实习计划与应急预案"),
            "subject": pilot.name,
            "hidden": {"pilot": pilot.pk},
            "multipart": True,
            "testid": "document-form",
        },
    )


def _int(value: Any) -> int:
    if value is None or not str(value).isdigit():
        raise Http404
    return int(value)


@coordinator_only
def bulk(request: HttpRequest, kind: str) -> HttpResponse:
    """One record for many placements: tick them (or take every listed one), fill the form once."""
    if kind not in BULK:
        raise Http404
    form_class, code, title = BULK[kind]
    pilot = _pilot(request, request.GET.get("pilot") or request.POST.get("pilot"))
    listed = _placements(request, pilot)
    cohort = request.GET.get("cohort") or request.POST.get("cohort") or ""
    cohorts = sorted({(p.student.cohort_id, str(p.student.cohort)) for p in listed})
    if cohort.isdigit():
        listed = [p for p in listed if p.student.cohort_id == int(cohort)]
    sending = kind == "consent" and request.POST.get("action") == "send"
    form = form_class(None if sending else (request.POST or None), request.FILES or None)
    if request.method == "POST":
        if request.POST.get("all") == "1":
            chosen = listed
        else:
            ids = {int(i) for i in request.POST.getlist("placement") if i.isdigit()}
            chosen = [p for p in listed if p.pk in ids]
        if not chosen:
            messages.warning(request, _("请勾选学徒，或选择“全部列出的学徒”"))
        elif sending:  # the consent form as its own document, signed online by student and guardian
            if _consent_send(request, pilot, chosen):
                return redirect(f"{reverse('portal:checklist-bulk', args=['consent'])}?pilot={pilot.pk}")
        elif form.is_valid():
            try:
                _bulk_write(kind, request, pilot, chosen, form.cleaned_data)
            except ApplicationError as exc:
                _fail(request, exc)
            else:
                messages.success(
                    request,
                    _("%(what)s：已为 %(n)s 名学徒登记") % {"what": rule_label(code), "n": len(chosen)},
                )
                return redirect(f"{reverse('portal:checklist')}?pilot={pilot.pk}")
    return render(
        request,
        "portal/checklist/bulk.html",
        {
            "form": form,
            "kind": kind,
            "code": code,
            "code_label": rule_label(code),
            "title": title,
            "pilot": pilot,
            "pilots": list(_pilots(request)),
            "cohort": cohort,
            "cohorts": cohorts,
            "rows": _rows(listed, consent=kind == "consent"),
            "codes": [(c, rule_label(c)) for c in CHECKLIST_CODES],
            "multipart": kind == "consent",
        },
    )


def _consent_send(request: HttpRequest, pilot: PilotProject, chosen: list[Placement]) -> bool:
    try:
        documents = services.consent_documents_send(
            actor=request.user, pilot=pilot, placements=chosen, now=timezone.now()
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return False
    messages.success(
        request,
        _("已向 %(n)s 名学徒及其监护人发送知情同意书在线签署（短信链接）") % {"n": len(documents)},
    )
    return True


@require_POST
@coordinator_only
def consent_send(request: HttpRequest, pk: int) -> HttpResponse:
    """From the placement page: this placement's consent form out for online signing."""
    placement = scoped_get(
        request, Placement.objects.select_related("pilot", "student", "post__company"), pk=pk
    )
    _consent_send(request, placement.pilot, [placement])
    return redirect(f"{reverse('portal:school-placement', args=[placement.pk])}#checklist")


@role_required(Role.COORDINATOR, Role.STUDENT, Role.GUARDIAN)
def consent_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """A consent form for its parties (the school, the student, the guardian): sealed once it is sealed."""
    item = scoped_get(request, selectors.consent_document_list(user=request.user), pk=pk)
    sealed = getattr(getattr(item, "signing_envelope", None), "sealed", None)
    if item.status == ConsentStatus.SEALED and sealed is not None:
        return FileResponse(sealed.pdf.open("rb"), as_attachment=True, filename=f"{item.number}-sealed.pdf")
    return FileResponse(item.pdf.open("rb"), as_attachment=True, filename=f"{item.number}.pdf")


@role_required(Role.STUDENT, Role.GUARDIAN)
def my_signing(request: HttpRequest, request_id: int) -> HttpResponse:
    """/me/sign/<request>: the inbox notice's link for a student or guardian. A POST gives a fresh signing link
    (the SMS's link is replaced by it) and opens the signing page; only the person the request is for."""
    from backend.signing.services import signing_link_for_account

    if request.method == "POST":
        try:
            url = signing_link_for_account(user=request.user, request_id=request_id, now=timezone.now())
        except ApplicationError as exc:
            if exc.status == 404:
                raise Http404 from exc
            messages.error(request, error_text(exc))
        else:
            return redirect(url)
    documents = selectors.consent_document_list(user=request.user).filter(
        signing_envelope__requests__pk=request_id,
        signing_envelope__requests__party=str(getattr(request.user, "role", "")),
    )
    document = documents.first()
    if document is None:
        raise Http404
    return render(
        request, "portal/checklist/my_signing.html", {"document": document, "request_id": request_id}
    )


def _bulk_write(
    kind: str, request: HttpRequest, pilot: PilotProject, chosen: list[Placement], data: dict[str, Any]
) -> None:
    actor = request.user
    if kind == "filing":
        services.filing_create(actor=actor, pilot=pilot, placements=chosen, **data)
    elif kind == "consent":
        services.consents_record(
            actor=actor,
            pilot=pilot,
            placements=chosen,
            student_signed_on=data["student_signed_on"],
            guardian_signed_on=data["guardian_signed_on"],
            upload=data.get("upload"),
        )
    elif kind == "training":
        services.safety_training_create(actor=actor, pilot=pilot, placements=chosen, **data)
    else:
        services.province_approval_create(actor=actor, pilot=pilot, placements=chosen, **data)


# -- files (scoped) -----------------------------------------------------------------------------------------------


@role_required(Role.COORDINATOR, Role.HR)
def photo(request: HttpRequest, pk: int) -> FileResponse:
    item = scoped_get(request, HostVisitPhoto.objects.all(), pk=pk)
    return FileResponse(item.file.open("rb"), filename=item.name or f"photo-{item.pk}")


@role_required(Role.COORDINATOR, Role.HR)
def document(request: HttpRequest, pk: int) -> FileResponse:
    item = scoped_get(request, PilotDocument.objects.all(), pk=pk)
    name = (item.file.name or "").rsplit(".", 1)
    ext = f".{name[1]}" if len(name) == 2 else ""
    return FileResponse(
        item.file.open("rb"), as_attachment=True, filename=f"{item.get_kind_display()}-v{item.version}{ext}"
    )


# -- HR (read-only) -----------------------------------------------------------------------------------------------


@hr_only
def company_checklist(request: HttpRequest) -> HttpResponse:
    company: Company = company_of(request)
    return render(
        request,
        "portal/checklist/company.html",
        {
            "company": company,
            "visits": selectors.host_visit_list(user=request.user).filter(company=company),
            "approvals": selectors.host_approval_list(user=request.user).filter(company=company),
        },
    )


def placement_panel(placement: Placement) -> list[dict[str, Any]]:
    """The checklist panel of the placement page: each item done or missing, with the page that does it."""
    base = reverse("portal:checklist")
    pilot, company = placement.pilot_id, placement.post.company_id
    links = {
        "HOST_VISIT": f"{reverse('portal:checklist-visit')}?pilot={pilot}&company={company}",
        "HOST_APPROVED": f"{reverse('portal:checklist-approval')}?pilot={pilot}&company={company}",
        "PLACEMENT_PLAN": f"{reverse('portal:checklist-document')}?pilot={pilot}",
        "CONSENT": f"{reverse('portal:checklist-bulk', args=['consent'])}?pilot={pilot}",
        "FILING": f"{reverse('portal:checklist-bulk', args=['filing'])}?pilot={pilot}",
        "SAFETY_TRAINING": f"{reverse('portal:checklist-bulk', args=['training'])}?pilot={pilot}",
        "OUT_OF_PROVINCE": f"{reverse('portal:checklist-bulk', args=['province'])}?pilot={pilot}",
    }
    from backend.portal.views.placements import is_chinese

    zh = is_chinese()
    consent = consent_view(selectors.consent_states([placement])[placement.pk])
    return [
        {
            "code": item.code,
            "name": rule_label(item.code),
            "done": item.done,
            # the CONSENT item says which form ticks it (online or paper) also when it is done
            "text": (item.message if zh else item.message_en)
            if not item.done or item.code == "CONSENT"
            else "",
            "link": links.get(item.code, base),
            "consent": consent if item.code == "CONSENT" else None,
        }
        for item in selectors.checklist_items(placement)
    ]
