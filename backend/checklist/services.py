"""Writes for the checklist. Each is keyword-only, atomic, taken by the pilot school's coordinator, and audited.
Cohort work (filings, consents, safety-training attendance, department approvals) takes many placements at once:
all of them or none. Dated items (a visit, the consent's signatures, a filing, a training, a department approval) are
refused when dated in the future or after the start of a placement they cover (`check_item_date`)."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Min

from backend.accounts.models import Role
from backend.companies.models import Company
from backend.core.audit import actor_user, audit_record
from backend.core.clock import local_today
from backend.core.errors import ApplicationError
from backend.core.services import full_clean_or_raise
from backend.core.uploads import KINDS, Refusal, validate_upload
from backend.placements.models import PilotProject, Placement, PlacementStatus
from backend.rules.codes import RuleCode
from backend.schools.models import School

from .models import (
    ConsentDocument,
    ConsentRecord,
    ConsentStatus,
    Filing,
    HostApproval,
    HostVisit,
    HostVisitPhoto,
    PilotDocument,
    PilotDocumentKind,
    ProvinceApproval,
    SafetyTraining,
)

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 12
IMAGES = ("jpeg", "png")  # kinds of backend.core.uploads
DOCUMENT_TYPES = ("pdf", "docx")
SCAN_TYPES = ("pdf", "jpeg", "png")


def _require_school(actor: Any, school_id: int) -> None:
    """Only the school's own coordinator (or an admin) writes its checklist: a company never approves itself."""
    if getattr(actor, "role", None) == Role.ADMIN or getattr(actor, "is_superuser", False):
        return
    if getattr(actor, "role", None) != Role.COORDINATOR or actor.school_id != school_id:
        raise ApplicationError(
            "NOT_FOUND", "未找到该记录", "not found", status=404
        )  # another school's pilot does not exist for this user


def check_upload(upload: UploadedFile, *, allowed: tuple[str, ...], what_zh: str, what_en: str) -> bytes:
    """The file's bytes when its size and type (by extension and content) are allowed."""
    names = "、".join(sorted(e.lstrip(".").upper() for k in allowed for e in KINDS[k].extensions))
    return validate_upload(
        upload,
        kinds=allowed,
        max_bytes=MAX_FILE_BYTES,
        refuse_empty=True,
        name_key="file",
        too_large=Refusal(
            "FILE_TOO_LARGE",
            f"{what_zh}须为非空文件且不超过10MB",
            f"the {what_en} must be a non-empty file of at most 10 MB",
        ),
        wrong_type=Refusal(
            "FILE_TYPE", f"{what_zh}须为 {names} 文件", f"the {what_en} must be one of: {names}"
        ),
    ).data


def _today(as_of: datetime.date | None) -> datetime.date:
    return as_of if as_of is not None else local_today()


def check_item_date(
    *,
    code: str,
    what_zh: str,
    what_en: str,
    day: datetime.date,
    placements: Sequence[Placement],
    today: datetime.date,
) -> None:
    """A dated checklist item may not be dated in the future, nor after the start of a placement it covers: refused
    with the item's rule code, naming the placements (nothing is written)."""
    if day > today:
        raise ApplicationError(
            code,
            f"{what_zh}（{day:%Y-%m-%d}）不能晚于今天（{today:%Y-%m-%d}）",
            f"the {what_en} ({day:%Y-%m-%d}) cannot be in the future (today is {today:%Y-%m-%d})",
            details={"date": day.isoformat(), "today": today.isoformat()},
        )
    late = [p for p in placements if day > p.start_date]
    if late:
        raise ApplicationError(
            code,
            f"{what_zh}（{day:%Y-%m-%d}）晚于以下学徒的实习开始日期，须在开始前完成："
            + "、".join(f"{p.student.name}（{p.start_date:%Y-%m-%d}）" for p in late),
            f"the {what_en} ({day:%Y-%m-%d}) is after the start of these placements; it must come before: "
            + ", ".join(f"{p.student.name} ({p.start_date:%Y-%m-%d})" for p in late),
            details={
                "date": day.isoformat(),
                "placements": [{"id": p.pk, "start_date": p.start_date.isoformat()} for p in late],
            },
        )


# What each dated item is called in a refusal, by its rule code.
DATED_ITEMS = {
    RuleCode.HOST_VISIT.value: ("走访日期", "visit date"),
    RuleCode.FILING.value: ("备案日期", "filing date"),
    RuleCode.SAFETY_TRAINING.value: ("培训日期", "training date"),
    RuleCode.OUT_OF_PROVINCE.value: ("批准日期", "approval date"),
}


def _check_dated(
    code: str, day: datetime.date, placements: Sequence[Placement], as_of: datetime.date | None
) -> None:
    what_zh, what_en = DATED_ITEMS[code]
    check_item_date(
        code=code, what_zh=what_zh, what_en=what_en, day=day, placements=placements, today=_today(as_of)
    )


def _pilot_placements(pilot: PilotProject, placements: Sequence[Placement]) -> list[Placement]:
    if not placements:
        raise ApplicationError("PLACEMENTS_REQUIRED", "请至少选择一名学徒", "select at least one placement")
    foreign = [p.pk for p in placements if p.pilot_id != pilot.pk]
    if foreign:
        raise ApplicationError(
            "PLACEMENT_NOT_IN_PILOT",
            "所选学徒不属于该试点项目",
            "a selected placement is not in the pilot",
            details={"placements": foreign},
        )
    return list({p.pk: p for p in placements}.values())


@transaction.atomic
def host_visit_create(
    *,
    actor: Any,
    pilot: PilotProject,
    company: Company,
    visited_on: datetime.date,
    visitors: str,
    findings_safety: str,
    findings_posts: str,
    findings_lodging: str,
    photos: Sequence[UploadedFile] = (),
    as_of: datetime.date | None = None,
) -> HostVisit:
    """The school's visit report on a company. Not dated in the future, nor after the start of an open placement at
    the company that has no earlier visit (this visit would be its first, and late)."""
    _require_school(actor, pilot.school_id)
    if not pilot.companies.filter(pk=company.pk).exists():
        raise ApplicationError(
            "COMPANY_NOT_IN_PILOT",
            "该企业不是本试点项目的合作企业",
            "the company is not part of the pilot",
            details={"company": company.pk},
        )
    earliest = HostVisit.objects.filter(pilot__school_id=pilot.school_id, company=company).aggregate(
        first=Min("visited_on")
    )["first"]
    waiting = Placement.objects.filter(
        pilot__school_id=pilot.school_id,
        post__company=company,
        status__in=(PlacementStatus.PROPOSED, PlacementStatus.SIGNING),
        start_date__lt=visited_on,
    ).select_related("student")
    if earliest is not None:
        waiting = waiting.filter(start_date__lt=earliest)
    _check_dated(RuleCode.HOST_VISIT.value, visited_on, list(waiting.order_by("start_date", "id")), as_of)
    if len(photos) > MAX_PHOTOS:
        raise ApplicationError("TOO_MANY_PHOTOS", f"照片最多 {MAX_PHOTOS} 张", f"at most {MAX_PHOTOS} photos")
    for photo in photos:
        check_upload(photo, allowed=IMAGES, what_zh="走访照片", what_en="visit photo")
    visit = HostVisit(
        pilot=pilot,
        company=company,
        visited_on=visited_on,
        visitors=visitors.strip(),
        findings_safety=findings_safety.strip(),
        findings_posts=findings_posts.strip(),
        findings_lodging=findings_lodging.strip(),
        recorded_by=actor_user(actor),
    )
    full_clean_or_raise(visit)
    visit.save()
    for photo in photos:
        HostVisitPhoto.objects.create(visit=visit, file=photo, name=(photo.name or "")[:200])
    audit_record(
        actor=actor,
        action="checklist.host_visit",
        obj=visit,
        changes={"company": company.pk, "visited_on": visited_on, "photos": len(photos)},
    )
    return visit


@transaction.atomic
def host_approval_record(
    *,
    actor: Any,
    school: School,
    company: Company,
    approved_on: datetime.date,
    approver: str,
    reference: str,
) -> HostApproval:
    """The company onto the school's list of hosts (recorded again: the date, approver and reference replaced)."""
    _require_school(actor, school.pk)
    if not PilotProject.objects.filter(school=school, companies=company).exists():
        raise ApplicationError(
            "COMPANY_NOT_IN_PILOT",
            "该企业不是本校试点项目的合作企业",
            "the company is not part of the school's pilots",
            details={"company": company.pk},
        )
    approval = HostApproval.objects.filter(school=school, company=company).first() or HostApproval(
        school=school, company=company
    )
    approval.approved_on, approval.approver, approval.reference = (
        approved_on,
        approver.strip(),
        reference.strip(),
    )
    approval.recorded_by = actor_user(actor)
    full_clean_or_raise(approval, exclude=["school", "company"])
    approval.save()
    audit_record(
        actor=actor,
        action="checklist.host_approval",
        obj=approval,
        changes={"company": company.pk, "approved_on": approved_on, "reference": approval.reference},
    )
    return approval


@transaction.atomic
def pilot_document_upload(
    *, actor: Any, pilot: PilotProject, kind: str, title: str, upload: UploadedFile
) -> PilotDocument:
    """A new version of the pilot's internship plan or emergency plan (the earlier versions stay)."""
    _require_school(actor, pilot.school_id)
    if kind not in PilotDocumentKind.values:
        raise ApplicationError("DOCUMENT_KIND", "文件类型无效", "unknown document kind")
    data = check_upload(upload, allowed=DOCUMENT_TYPES, what_zh="计划文件", what_en="plan document")
    PilotProject.objects.select_for_update().filter(pk=pilot.pk).first()  # one version number at a time
    last = PilotDocument.objects.filter(pilot=pilot, kind=kind).aggregate(v=Max("version"))["v"] or 0
    document = PilotDocument(
        pilot=pilot,
        kind=kind,
        version=last + 1,
        title=(title.strip() or str(PilotDocumentKind(kind).label))[:200],
        file=upload,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor_user(actor),
    )
    document.save()
    audit_record(
        actor=actor,
        action="checklist.pilot_document",
        obj=document,
        changes={"kind": kind, "version": document.version, "sha256": document.sha256},
    )
    return document


def _guardian_name(placement: Placement) -> str:
    guardians = list(placement.student.guardians.all())
    primary = [g for g in guardians if getattr(g, "is_primary", False)] or guardians
    return primary[0].name if primary else ""


@transaction.atomic
def consents_record(
    *,
    actor: Any,
    pilot: PilotProject,
    placements: Sequence[Placement],
    student_signed_on: datetime.date,
    guardian_signed_on: datetime.date,
    guardian_name: str = "",
    upload: UploadedFile | None = None,
    as_of: datetime.date | None = None,
) -> list[ConsentRecord]:
    """知情同意书 collected for many placements at once (signed on paper by the student and the guardian); the
    guardian is the student's guardian on record unless named. Placements without a guardian are refused, all
    together. One scan may go with it (a single placement's form, or the cohort's batch scan)."""
    _require_school(actor, pilot.school_id)
    chosen = _pilot_placements(pilot, placements)
    today = _today(as_of)
    for day, zh, en in (
        (student_signed_on, "学生签署日期", "student's signing date"),
        (guardian_signed_on, "监护人签署日期", "guardian's signing date"),
    ):
        check_item_date(
            code=RuleCode.CONSENT.value, what_zh=zh, what_en=en, day=day, placements=chosen, today=today
        )
    if upload is not None:
        check_upload(upload, allowed=SCAN_TYPES, what_zh="知情同意书扫描件", what_en="consent scan")
    names = {
        p.pk: (guardian_name.strip() if len(chosen) == 1 and guardian_name.strip() else "")
        or _guardian_name(p)
        for p in chosen
    }
    without = [p for p in chosen if not names[p.pk]]
    if without:
        from .consent import no_guardian_error

        raise no_guardian_error(without)
    records = []
    for placement in chosen:
        record = ConsentRecord.objects.filter(placement=placement).first() or ConsentRecord(
            placement=placement
        )
        record.student_signed_on = student_signed_on
        record.guardian_signed_on = guardian_signed_on
        record.guardian_name = names[placement.pk][:50]
        record.recorded_by = actor_user(actor)
        if upload is not None:
            upload.seek(0)
            record.file.save(upload.name or "consent.pdf", upload, save=False)
        record.save()
        audit_record(
            actor=actor,
            action="checklist.consent",
            obj=record,
            changes={
                "placement": placement.pk,
                "student_signed_on": student_signed_on,
                "guardian": record.guardian_name,
                "guardian_signed_on": guardian_signed_on,
            },
        )
        records.append(record)
    return records


@transaction.atomic
def filing_create(
    *,
    actor: Any,
    pilot: PilotProject,
    placements: Sequence[Placement],
    reference: str,
    filed_on: datetime.date,
    authority: str,
    as_of: datetime.date | None = None,
) -> Filing:
    """备案: one filing with the education department for many placements of a pilot."""
    _require_school(actor, pilot.school_id)
    chosen = _pilot_placements(pilot, placements)
    _check_dated(RuleCode.FILING.value, filed_on, chosen, as_of)
    filing = Filing(
        pilot=pilot,
        reference=reference.strip(),
        filed_on=filed_on,
        authority=authority.strip(),
        filed_by=actor_user(actor),
    )
    full_clean_or_raise(filing)
    filing.save()
    filing.placements.set(chosen)
    audit_record(
        actor=actor,
        action="checklist.filing",
        obj=filing,
        changes={"reference": filing.reference, "placements": [p.pk for p in chosen]},
    )
    return filing


@transaction.atomic
def safety_training_create(
    *,
    actor: Any,
    pilot: PilotProject,
    placements: Sequence[Placement],
    held_on: datetime.date,
    hours: Decimal,
    content: str,
    trainer: str = "",
    as_of: datetime.date | None = None,
) -> SafetyTraining:
    """岗前安全培训: one session and its attendance list (the placements of the apprentices who attended)."""
    _require_school(actor, pilot.school_id)
    chosen = _pilot_placements(pilot, placements)
    _check_dated(RuleCode.SAFETY_TRAINING.value, held_on, chosen, as_of)
    training = SafetyTraining(
        pilot=pilot,
        held_on=held_on,
        hours=hours,
        content=content.strip(),
        trainer=trainer.strip(),
        recorded_by=actor_user(actor),
    )
    full_clean_or_raise(training)
    training.save()
    training.attendees.set(chosen)
    audit_record(
        actor=actor,
        action="checklist.safety_training",
        obj=training,
        changes={"held_on": held_on, "hours": hours, "attendees": [p.pk for p in chosen]},
    )
    return training


@transaction.atomic
def province_approval_create(
    *,
    actor: Any,
    pilot: PilotProject,
    placements: Sequence[Placement],
    department: str,
    reference: str,
    approved_on: datetime.date,
    as_of: datetime.date | None = None,
) -> ProvinceApproval:
    """The department's approval of placements in another province (跨省实习)."""
    _require_school(actor, pilot.school_id)
    chosen = _pilot_placements(pilot, placements)
    _check_dated(RuleCode.OUT_OF_PROVINCE.value, approved_on, chosen, as_of)
    approval = ProvinceApproval(
        pilot=pilot,
        department=department.strip(),
        reference=reference.strip(),
        approved_on=approved_on,
        recorded_by=actor_user(actor),
    )
    full_clean_or_raise(approval)
    approval.save()
    approval.placements.set(chosen)
    audit_record(
        actor=actor,
        action="checklist.province_approval",
        obj=approval,
        changes={"reference": approval.reference, "placements": [p.pk for p in chosen]},
    )
    return approval


# -- the informed-consent form signed online (知情同意书 as its own document) ------------------------------------


def _consent_number(placement: Placement, version: int) -> str:
    return f"ZQ{placement.pilot.year}-{placement.pk:06d}-{version}"


def _render_consent(context: dict[str, Any]) -> tuple[bytes, bytes]:
    """docx and PDF of one form: docxtpl (StrictUndefined), then the LibreOffice pool, like an agreement."""
    from backend.core.documents import render_to_pdf

    from .consent import template_bytes

    template, _sha = template_bytes()
    return render_to_pdf(template, context, what="知情同意书", render_code="CONSENT_RENDER_FAILED")


def _consent_refusals(chosen: list[Placement]) -> None:
    """Before anything is rendered: a guardian on record for every student, phones for both signers, and no
    form already out for signing or sealed."""
    from .consent import guardian_required, primary_guardian

    guardian_required(chosen)
    no_phone = [
        p
        for p in chosen
        if not (p.student.phone or "").strip() or not (primary_guardian(p).phone or "").strip()
    ]
    if no_phone:
        raise ApplicationError(
            "SIGNER_DATA_MISSING",
            "以下学生或其监护人没有手机号，无法发送签署短信：" + "、".join(p.student.name for p in no_phone),
            "a signer has no phone number for the signing SMS: "
            + ", ".join(p.student.name for p in no_phone),
            details={"placements": [p.pk for p in no_phone]},
            status=422,
        )
    live = set(
        ConsentDocument.objects.filter(placement__in=chosen)
        .exclude(status=ConsentStatus.VOID)
        .values_list("placement_id", flat=True)
    )
    if live:
        raise ApplicationError(
            "CONSENT_ALREADY_SENT",
            "以下学生的知情同意书已发出签署或已封存："
            + "、".join(p.student.name for p in chosen if p.pk in live),
            "these students' consent forms are already out for signing or sealed: "
            + ", ".join(p.student.name for p in chosen if p.pk in live),
            details={"placements": sorted(live)},
            status=409,
        )


def consent_documents_send(
    *, actor: Any, pilot: PilotProject, placements: Sequence[Placement], now: datetime.datetime
) -> list[ConsentDocument]:
    """知情同意书 for many placements at once (one is the single case): each generated from the shipped template
    with its placement's facts (docx -> PDF with LibreOffice, outside any transaction), then, all together or
    none, stored and sent for signing to the student and the guardian (backend.signing: SMS links, one-time
    codes, drawn signatures; sealed when both have signed). Refused, with nothing written, for a student without
    a guardian or a phone, or whose form is already out."""
    from backend.signing.services import signing_send_consent

    from .consent import CONSENT_TEMPLATE, consent_context, template_bytes

    _require_school(actor, pilot.school_id)
    chosen = _pilot_placements(pilot, placements)
    _consent_refusals(chosen)
    as_of = now.date()
    versions = {
        row["placement_id"]: row["v"]
        for row in ConsentDocument.objects.filter(placement__in=chosen)
        .values("placement_id")
        .annotate(v=Max("version"))
    }
    rendered = []
    for placement in chosen:
        version = (versions.get(placement.pk) or 0) + 1
        context = consent_context(placement, number=_consent_number(placement, version), as_of=as_of)
        rendered.append((placement, version, context, *_render_consent(context)))
    _template, template_sha = template_bytes()
    saved: list[Any] = []
    documents = []
    try:
        with transaction.atomic():
            for placement, version, context, docx, pdf in rendered:
                document = ConsentDocument(
                    placement=placement,
                    version=version,
                    number=context["number"],
                    template_name=CONSENT_TEMPLATE,
                    template_sha256=template_sha,
                    context=context,
                    pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                    created_by=actor_user(actor),
                )
                document.docx.save(f"{document.number}.docx", ContentFile(docx), save=False)
                saved.append(document.docx)
                document.pdf.save(f"{document.number}.pdf", ContentFile(pdf), save=False)
                saved.append(document.pdf)
                document.save()
                audit_record(
                    actor=actor,
                    action="checklist.consent_document",
                    obj=document,
                    changes={
                        "placement": placement.pk,
                        "number": document.number,
                        "pdf": document.pdf_sha256,
                    },
                )
                signing_send_consent(actor=actor, document=document, now=now)
                documents.append(document)
    except BaseException:
        for f in saved:
            f.storage.delete(f.name)
        raise
    return documents


def consent_document_set_status(document: ConsentDocument, *, to: str, actor: Any, reason: str = "") -> None:
    """The one place a consent form's status changes (signing calls it as the signing goes on). A decline makes
    the form void (signing asks for "draft"): the school sends a new version."""
    document.refresh_from_db(fields=["status"])
    if to == ConsentStatus.DRAFT and document.status == ConsentStatus.SENT:
        to, reason = ConsentStatus.VOID, reason or "拒签 / declined"
    if document.status == to:
        return
    if not document.can_move_to(to):
        raise ApplicationError(
            "CONSENT_STATUS",
            "知情同意书的状态不能这样变更",
            "the consent form cannot move to that status",
            details={"from": document.status, "to": to},
            status=409,
        )
    before = document.status
    document.status = to
    fields = ["status", "updated_at"]
    if to == ConsentStatus.VOID:
        document.void_reason = reason[:300]
        fields.append("void_reason")
    document.save(update_fields=fields)
    audit_record(
        actor=actor, action="checklist.consent_status", obj=document, changes={"status": [before, to]}
    )


def consent_document_sealed_hook(envelope: Any, now: datetime.datetime) -> None:
    """Registered with signing (ChecklistConfig.ready), inside the sealing transaction: the sealed form ticks
    the placement's CONSENT item."""
    if envelope.consent_id is None:
        return
    document = ConsentDocument.objects.select_for_update().get(pk=envelope.consent_id)
    consent_document_set_status(document, to=ConsentStatus.SEALED, actor=None)
