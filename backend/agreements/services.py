"""Writes of the agreements app: template versions, agreement generation and voiding, batches."""

import datetime
import hashlib
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from backend.core.audit import audit_record
from backend.core.errors import ApplicationError
from backend.core.queue import enqueue_on_commit
from backend.notices.services import notice_send
from backend.placements.models import Placement, PlacementStatus
from backend.schools.models import Cohort, School
from contracts.context import AgreementKind as ContractKind
from contracts.convert import ConversionError, convert_docx_to_pdf
from contracts.render import RenderError, render_docx
from contracts.validate import validate_template

from .context import agreement_context_build, placement_agreement_kind
from .models import (
    Agreement,
    AgreementBatch,
    AgreementBatchItem,
    AgreementRevision,
    AgreementStatus,
    BatchItemStatus,
    TemplateVersion,
)

logger = logging.getLogger(__name__)

SHIPPED_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "agreements"
# Placements whose agreement may still be generated (an active one already has its signed agreement).
OPEN_PLACEMENT_STATUSES = (PlacementStatus.PROPOSED, PlacementStatus.SIGNING)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- template versions ------------------------------------------------------------------------------------


def _template_version_store(
    *, kind: str, school: School | None, data: bytes, actor: Any, note: str = ""
) -> TemplateVersion:
    for _attempt in range(3):
        try:
            with transaction.atomic():
                last = TemplateVersion.objects.filter(kind=kind, school=school).aggregate(n=Max("number"))[
                    "n"
                ]
                version = TemplateVersion(
                    kind=kind,
                    school=school,
                    number=(last or 0) + 1,
                    sha256=_sha256(data),
                    uploaded_by=actor if getattr(actor, "pk", None) else None,
                    note=note,
                )
                version.file.save(
                    f"{kind}-{school.pk if school else 'default'}-v{version.number}.docx",
                    ContentFile(data),
                    save=False,
                )
                version.save()
                audit_record(
                    actor=actor,
                    action="agreement_template.upload",
                    obj=version,
                    changes={
                        "kind": kind,
                        "school": school,
                        "number": version.number,
                        "sha256": version.sha256,
                    },
                )
                return version
        except IntegrityError:
            continue  # someone else took this number at the same moment: take the next
    raise ApplicationError(
        "TEMPLATE_BUSY", "模板正在被同时上传，请重试。", "Concurrent uploads; retry.", status=409
    )


def template_version_upload(
    *, actor: Any, kind: str, school: School | None, data: bytes, note: str = ""
) -> TemplateVersion:
    """A new numbered version of a template, after contracts.validate found nothing wrong with it."""
    problems = validate_template(data, kind=ContractKind(kind))
    if problems:
        raise ApplicationError(
            "TEMPLATE_INVALID",
            f"模板有{len(problems)}处问题：" + "；".join(p.message for p in problems),
            f"The template has {len(problems)} problem(s): " + " ".join(p.message_en for p in problems),
            details={"problems": [p.as_dict() for p in problems]},
        )
    return _template_version_store(kind=kind, school=school, data=data, actor=actor, note=note)


def template_version_current(*, kind: str, school: School) -> TemplateVersion:
    """The school's newest version of this kind, else the newest shipped default (installed on first use)."""
    version = (
        TemplateVersion.objects.filter(kind=kind, school=school).order_by("-number").first()
        or TemplateVersion.objects.filter(kind=kind, school__isnull=True).order_by("-number").first()
    )
    if version is None:
        data = (SHIPPED_TEMPLATES / f"{kind}.docx").read_bytes()
        _template_version_store(kind=kind, school=None, data=data, actor=None, note="随系统发布的模板")
        version = TemplateVersion.objects.filter(kind=kind, school__isnull=True).order_by("-number").first()
        assert version is not None
    return version


# --- agreements -------------------------------------------------------------------------------------------


def _live_agreement(placement: Placement) -> Agreement | None:
    return Agreement.objects.filter(placement=placement).exclude(status=AgreementStatus.VOID).first()


def _refuse_signed(agreement: Agreement) -> None:
    raise ApplicationError(
        "AGREEMENT_SIGNED",
        f"协议{agreement.number}已签署，不能重新生成；如需变更，请先作废再重新生成。",
        f"Agreement {agreement.number} is signed and cannot be regenerated; void it and generate a new one.",
        details={"agreement": agreement.pk},
        status=409,
    )


def agreement_generate(*, actor: Any, placement: Placement) -> Agreement:
    """Render and convert the placement's agreement; a new agreement or a new revision of an unsigned one.

    Refuses (nothing stored) under 16 (AGE_MIN), with missing data (AGREEMENT_DATA_MISSING, naming each
    field),
    below the pay floor (PAY_FLOOR), or when the live agreement is signed (AGREEMENT_SIGNED)."""
    placement = (
        Placement.objects.select_related(
            "student__cohort__program", "post__company", "mentor", "pilot__school"
        )
        .prefetch_related("stages", "insurance_policies", "student__guardians")
        .get(pk=placement.pk)
    )
    live = _live_agreement(placement)
    if live is not None and live.status == AgreementStatus.SIGNED:
        _refuse_signed(live)
    kind = placement_agreement_kind(placement)
    number = live.number if live is not None and live.kind == kind else _new_number(placement)
    context = agreement_context_build(placement=placement, kind=kind, number=number)
    template = template_version_current(kind=kind, school=placement.pilot.school)
    with template.file.open("rb") as fh:
        template_bytes = fh.read()
    try:
        docx = render_docx(template_bytes, context)
        pdf = convert_docx_to_pdf(docx)
    except RenderError as exc:
        raise ApplicationError(
            "AGREEMENT_RENDER_FAILED", f"协议生成失败：{exc}", str(exc), status=500
        ) from exc
    except ConversionError as exc:
        raise ApplicationError(
            "PDF_CONVERSION_FAILED",
            "协议转换为PDF失败，请稍后重试。",
            f"PDF conversion failed: {exc}",
            status=503,
        ) from exc

    saved: list[Any] = []
    try:
        with transaction.atomic():
            Placement.objects.select_for_update().filter(pk=placement.pk).first()  # one generation at a time
            live = _live_agreement(placement)
            if live is not None and live.status == AgreementStatus.SIGNED:
                _refuse_signed(live)
            if live is not None and live.kind != kind:
                _void(live, actor=actor, reason="协议类型变更（学生年龄） / agreement kind changed")
                live = None
            if live is None:
                agreement = Agreement.objects.create(placement=placement, kind=kind, number=number)
                revision_number = 1
            else:
                agreement = live
                revision_number = (agreement.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
                if agreement.status != AgreementStatus.DRAFT:
                    agreement.status = AgreementStatus.DRAFT  # a sent one goes out again with the new text
                    agreement.save(update_fields=["status", "updated_at"])
            revision = AgreementRevision(
                agreement=agreement,
                number=revision_number,
                template_version=template,
                context=context.to_template_dict(),
                docx_sha256=_sha256(docx),
                pdf_sha256=_sha256(pdf),
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            stem = f"{agreement.number}-r{revision_number}"
            revision.docx.save(f"{stem}.docx", ContentFile(docx), save=False)
            saved.append(revision.docx)
            revision.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
            saved.append(revision.pdf)
            revision.save()
            audit_record(
                actor=actor,
                action="agreement.generate",
                obj=agreement,
                changes={
                    "revision": revision_number,
                    "kind": kind,
                    "template_version": template.pk,
                    "pdf_sha256": revision.pdf_sha256,
                },
            )
            return agreement
    except BaseException:
        for f in saved:  # nothing half-made: the files go with the rolled-back rows
            f.storage.delete(f.name)
        raise


def _new_number(placement: Placement) -> str:
    count = Agreement.objects.filter(placement=placement).count()
    return f"XT{placement.pilot.year}-{placement.pk:06d}-{count + 1}"


def _void(agreement: Agreement, *, actor: Any, reason: str) -> None:
    old = agreement.status
    agreement.status = AgreementStatus.VOID
    agreement.void_reason = reason[:300]
    agreement.save(update_fields=["status", "void_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="agreement.void",
        obj=agreement,
        changes={"status": [old, AgreementStatus.VOID], "reason": reason},
    )


@transaction.atomic
def agreement_void(*, actor: Any, agreement: Agreement, reason: str) -> Agreement:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if not agreement.can_move_to(AgreementStatus.VOID):
        raise ApplicationError(
            "AGREEMENT_STATUS", "该协议已作废。", "The agreement is already void.", status=409
        )
    if not reason.strip():
        raise ApplicationError("VOID_REASON", "作废须填写原因。", "Voiding needs a reason.")
    _void(agreement, actor=actor, reason=reason)
    return agreement


@transaction.atomic
def agreement_replace(*, actor: Any, agreement: Agreement, reason: str) -> Agreement:
    """Void a (signed) agreement and generate its replacement, which records what it replaces."""
    agreement_void(actor=actor, agreement=agreement, reason=reason)
    replacement = agreement_generate(actor=actor, placement=agreement.placement)
    replacement.replaces = agreement
    replacement.save(update_fields=["replaces", "updated_at"])
    return replacement


@transaction.atomic
def agreement_set_status(*, actor: Any, agreement: Agreement, to: str) -> Agreement:
    """The one place an agreement's status changes (signing calls it with SENT and SIGNED)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if not agreement.can_move_to(to):
        raise ApplicationError(
            "AGREEMENT_STATUS",
            f"协议状态不能从{agreement.get_status_display()}变为{AgreementStatus(to).label}。",
            f"An agreement cannot go from {agreement.status} to {to}.",
            status=409,
        )
    old = agreement.status
    agreement.status = to
    agreement.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="agreement.status", obj=agreement, changes={"status": [old, to]})
    return agreement


# --- batches ----------------------------------------------------------------------------------------------


def agreement_batch_create(*, actor: Any, pilot: Any = None, cohort: Cohort | None = None) -> AgreementBatch:
    """One item per open placement of the pilot project or cohort; one worker task per item after commit."""
    if (pilot is None) == (cohort is None):
        raise ApplicationError(
            "BATCH_SCOPE", "请选择一个试点项目或一个年级。", "Choose a pilot project or a cohort."
        )
    placements = Placement.objects.filter(status__in=OPEN_PLACEMENT_STATUSES)
    if pilot is not None:
        placements, school = placements.filter(pilot=pilot), pilot.school
    else:
        assert cohort is not None
        placements, school = placements.filter(student__cohort=cohort), cohort.program.school
    with transaction.atomic():
        batch = AgreementBatch.objects.create(
            school=school,
            pilot=pilot,
            cohort=cohort,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        AgreementBatchItem.objects.bulk_create(
            [
                AgreementBatchItem(batch=batch, placement_id=pk)
                for pk in placements.values_list("pk", flat=True)
            ]
        )
        audit_record(
            actor=actor,
            action="agreement_batch.create",
            obj=batch,
            changes={"pilot": pilot, "cohort": cohort, "total": batch.items.count()},
        )
        _enqueue(batch.items.filter(status=BatchItemStatus.PENDING).values_list("pk", flat=True))
        if not batch.items.exists():
            batch.finished_at = timezone.now()
            batch.save(update_fields=["finished_at", "updated_at"])
    return batch


def agreement_batch_rerun(*, actor: Any, batch: AgreementBatch) -> AgreementBatch:
    """Try again every item not done (failed ones and any left pending); finished agreements are untouched."""
    with transaction.atomic():
        items = batch.items.exclude(status=BatchItemStatus.DONE)
        item_ids = list(items.values_list("pk", flat=True))
        items.update(status=BatchItemStatus.PENDING, error_code="", error_message="")
        if item_ids:
            batch.finished_at = None
            batch.save(update_fields=["finished_at", "updated_at"])
        audit_record(actor=actor, action="agreement_batch.rerun", obj=batch, changes={"items": len(item_ids)})
        _enqueue(item_ids)
    return batch


def _enqueue(item_ids: Any) -> None:
    for pk in list(item_ids):
        enqueue_on_commit("documents.agreement_batch_item", pk)


def agreement_batch_item_run(*, item_id: int) -> str:
    """Generate one batch item's agreement. Idempotent: a done item, or a placement whose agreement already
    exists, is never generated twice (the task may run again after a worker crash)."""
    with transaction.atomic():
        item = (
            AgreementBatchItem.objects.select_for_update(of=("self",))
            .select_related("batch__created_by", "placement")
            .filter(pk=item_id)
            .first()
        )
        if item is None or item.status == BatchItemStatus.DONE:
            return "skipped"
        item.attempts += 1
        existing = _live_agreement(item.placement)
        try:
            if existing is not None and existing.revisions.exists():
                agreement = existing
            else:
                agreement = agreement_generate(actor=item.batch.created_by, placement=item.placement)
        except ApplicationError as exc:
            item.status, item.error_code, item.error_message = BatchItemStatus.FAILED, exc.code, exc.message
            item.agreement = None
        else:
            item.status, item.error_code, item.error_message = BatchItemStatus.DONE, "", ""
            item.agreement = agreement
        item.save(
            update_fields=["status", "error_code", "error_message", "agreement", "attempts", "updated_at"]
        )
        _finish_if_complete(item.batch)
        return item.status


def _finish_if_complete(batch: AgreementBatch) -> None:
    # Locking the batch row serialises this check between items finishing at the same moment, so the last
    # one always sees the others' committed status.
    AgreementBatch.objects.select_for_update().filter(pk=batch.pk).first()
    if batch.items.filter(status=BatchItemStatus.PENDING).exists():
        return
    finished = AgreementBatch.objects.filter(pk=batch.pk, finished_at__isnull=True).update(
        finished_at=timezone.now(), updated_at=timezone.now()
    )
    if finished:
        done = batch.items.filter(status=BatchItemStatus.DONE).count()
        failed = batch.items.filter(status=BatchItemStatus.FAILED).count()
        notice_send(
            recipients=[batch.created_by],
            kind="agreement_batch_finished",
            title=f"协议批量生成完成：成功{done}份，失败{failed}份",
            body="失败的协议列出了原因，补全信息后可重新运行该批次。" if failed else "全部协议已生成。",
            link=f"/api/v1/agreement-batches/{batch.pk}/",
            dedupe_key=f"agreement-batch-{batch.pk}-{batch.items.aggregate(n=Max('attempts'))['n']}",
        )


# A task lost with a crashed worker comes back by itself after the broker's visibility timeout (an hour in
# production); the sweep re-sends an item that has been pending for longer than this, which is harmless
# because agreement_batch_item_run is idempotent.
STALE_AFTER = datetime.timedelta(minutes=10)


def agreement_batch_sweep(*, now: datetime.datetime) -> int:
    """Re-enqueue batch items pending for longer than STALE_AFTER; returns how many."""
    with transaction.atomic():
        stale = AgreementBatchItem.objects.filter(
            status=BatchItemStatus.PENDING, updated_at__lt=now - STALE_AFTER
        ).select_for_update(skip_locked=True)
        ids = list(stale.values_list("pk", flat=True))
        AgreementBatchItem.objects.filter(pk__in=ids).update(updated_at=now)
        _enqueue(ids)
    return len(ids)
