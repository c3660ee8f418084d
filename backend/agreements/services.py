"""Writes of the agreements app: template versions, agreement generation and voiding, batches."""

import datetime
import hashlib
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from backend.core.audit import audit_record
from backend.core.documents import render_to_pdf
from backend.core.errors import ApplicationError
from backend.core.queue import enqueue
from backend.notices.services import notice_send
from backend.placements.models import Placement, PlacementStatus
from backend.rules.codes import RuleCode
from backend.schools.models import Cohort, School
from contracts.context import AgreementContext
from contracts.context import AgreementKind as ContractKind
from contracts.validate import validate_template

from .context import agreement_context_build, placement_agreement_kind
from .models import (
    OPEN_ITEM_STATUSES,
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
        version = _shipped_default_install(kind=kind)
    return version


# pg_advisory_xact_lock keys: one per template kind, so the shipped default is installed once.
_DEFAULT_TEMPLATE_LOCKS = {
    "three_party": 7_301_001,
    "four_party": 7_301_002,
    "supplement_three": 7_301_003,
    "supplement_four": 7_301_004,
}


def _shipped_default_install(*, kind: str) -> TemplateVersion:
    """Install the shipped default as version 1, once: under a transaction-level advisory lock, so that the
    threads of a documents worker starting a first batch together wait for the first one and then find it."""
    with transaction.atomic():
        if connection.vendor == "postgresql":  # SQLite (make run's default) has one writer at a time
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s)", [_DEFAULT_TEMPLATE_LOCKS.get(kind, 7_301_000)]
                )
        version = TemplateVersion.objects.filter(kind=kind, school__isnull=True).order_by("-number").first()
        if version is None:
            data = (SHIPPED_TEMPLATES / f"{kind}.docx").read_bytes()
            version = _template_version_store(
                kind=kind, school=None, data=data, actor=None, note="随系统发布的模板"
            )
    return version


# --- agreements -------------------------------------------------------------------------------------------


def _live_agreement(placement: Placement) -> Agreement | None:
    return (
        Agreement.objects.filter(placement=placement, supplements__isnull=True)
        .exclude(status=AgreementStatus.VOID)
        .first()
    )


def _refuse_signed(agreement: Agreement) -> None:
    raise ApplicationError(
        RuleCode.AGREEMENT_SIGNED,
        f"协议{agreement.number}已签署，不能重新生成；如需变更，请先作废再重新生成。",
        f"Agreement {agreement.number} is signed and cannot be regenerated; void it and generate a new one.",
        details={"agreement": agreement.pk},
        status=409,
    )


def _render_pdf(
    template: TemplateVersion, context: AgreementContext | dict[str, Any], *, what: str
) -> tuple[bytes, bytes]:
    """The template rendered with `context` (docxtpl) and converted to PDF (LibreOffice): (docx, pdf). A failure
    is the one error shape, naming `what` is being made (协议, 补充协议); nothing is stored."""
    with template.file.open("rb") as fh:
        template_bytes = fh.read()
    return render_to_pdf(template_bytes, context, what=what, render_code="AGREEMENT_RENDER_FAILED")


def _revision_store(
    *,
    agreement: Agreement,
    number: int,
    template: TemplateVersion,
    context: dict[str, Any],
    docx: bytes,
    pdf: bytes,
    actor: Any,
    saved: list[Any],
) -> AgreementRevision:
    """Store one revision with its two files (inside the caller's transaction); each file stored is appended to
    `saved`, for the caller to delete if the transaction rolls back."""
    revision = AgreementRevision(
        agreement=agreement,
        number=number,
        template_version=template,
        context=context,
        docx_sha256=_sha256(docx),
        pdf_sha256=_sha256(pdf),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    stem = f"{agreement.number}-r{number}"
    revision.docx.save(f"{stem}.docx", ContentFile(docx), save=False)
    saved.append(revision.docx)
    revision.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    saved.append(revision.pdf)
    revision.save()
    return revision


def agreement_generate(*, actor: Any, placement: Placement, keep_existing: bool = False) -> Agreement:
    """Render and convert the placement's agreement; a new agreement or a new revision of an unsigned one.

    Refuses (nothing stored) under 16 (AGE_MIN), with missing data (AGREEMENT_DATA_MISSING, naming each
    field),
    below the pay floor (PAY_FLOOR), or when the live agreement is signed (AGREEMENT_SIGNED).

    keep_existing (batches): a placement whose live agreement already has a document gets that agreement back,
    checked again under the placement's lock before anything is written, so two runs of one item racing each
    other never make a second revision."""
    placement = (
        Placement.objects.select_related(
            "student__cohort__program", "post__company", "mentor", "pilot__school"
        )
        .prefetch_related("stages", "insurance_policies", "student__guardians")
        .get(pk=placement.pk)
    )
    live = _live_agreement(placement)
    if keep_existing and live is not None and live.revisions.exists():
        return live
    if live is not None and live.status == AgreementStatus.SIGNED:
        _refuse_signed(live)
    kind = placement_agreement_kind(placement)
    number = live.number if live is not None and live.kind == kind else _new_number(placement)
    context = agreement_context_build(placement=placement, kind=kind, number=number)
    template = template_version_current(kind=kind, school=placement.pilot.school)
    docx, pdf = _render_pdf(template, context, what="协议")

    saved: list[Any] = []
    try:
        with transaction.atomic():
            Placement.objects.select_for_update().filter(pk=placement.pk).first()  # one generation at a time
            live = _live_agreement(placement)
            if keep_existing and live is not None and live.revisions.exists():
                return live  # a concurrent run of the same item got here first
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
            revision = _revision_store(
                agreement=agreement,
                number=revision_number,
                template=template,
                context=context.to_template_dict(),
                docx=docx,
                pdf=pdf,
                actor=actor,
                saved=saved,
            )
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


def agreement_supplement_generate(
    *, actor: Any, original: Agreement, kind: str, context: dict[str, Any]
) -> Agreement:
    """A supplementary agreement (补充协议, kinds SUPPLEMENT_*) of a signed agreement, from the school's newest
    template of that kind (else the shipped default): rendered, converted and stored as a draft agreement of the
    same placement with one revision, ready for signing_send. `context` is what the template prints (names of
    the parties as the signers must type them under student/guardian/company/school, like an agreement's)."""
    if original.status != AgreementStatus.SIGNED or original.supplements_id is not None:
        raise ApplicationError(
            "AGREEMENT_NOT_SIGNED",
            f"协议{original.number}尚未签署，不能订立补充协议。",
            f"Agreement {original.number} is not signed; it cannot be supplemented.",
            status=409,
        )
    placement = original.placement
    template = template_version_current(kind=kind, school=placement.pilot.school)
    count = Agreement.objects.filter(supplements=original).count()
    number = f"{original.number}-B{count + 1}"
    data = {**context, "number": number, "original_number": original.number}
    docx, pdf = _render_pdf(template, data, what="补充协议")
    saved: list[Any] = []
    try:
        with transaction.atomic():
            agreement = Agreement.objects.create(
                placement=placement, kind=kind, number=number, supplements=original
            )
            revision = _revision_store(
                agreement=agreement,
                number=1,
                template=template,
                context=data,
                docx=docx,
                pdf=pdf,
                actor=actor,
                saved=saved,
            )
            audit_record(
                actor=actor,
                action="agreement.supplement_generate",
                obj=agreement,
                changes={
                    "supplements": original.number,
                    "kind": kind,
                    "template_version": template.pk,
                    "pdf_sha256": revision.pdf_sha256,
                },
            )
            return agreement
    except BaseException:
        for f in saved:
            f.storage.delete(f.name)
        raise


def _new_number(placement: Placement) -> str:
    count = Agreement.objects.filter(placement=placement, supplements__isnull=True).count()
    return f"XT{placement.pilot.year}-{placement.pk:06d}-{count + 1}"


def _void(agreement: Agreement, *, actor: Any, reason: str) -> None:
    """Every way an agreement is voided comes here, and its signing is closed with it, in the same transaction."""
    from backend.signing.services import signing_close_agreement  # signing builds on agreements: import late

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
    signing_close_agreement(actor=actor, agreement=agreement, reason=reason, now=timezone.now())


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
    """Void a (signed) agreement, closing its signing, and generate its replacement, which records what it
    replaces. An agreement already voided (its signing voided first) and not yet replaced is replaced as well."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status == AgreementStatus.VOID:
        if Agreement.objects.filter(replaces=agreement).exists():
            raise ApplicationError(
                "AGREEMENT_REPLACED", "该协议已被替代。", "The agreement was already replaced.", status=409
            )
    else:
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


# How a lost piece of a batch comes back by itself (docs/agreements.md, "Recovery"): every item is recorded as
# queued (status pending + queued_at) in the transaction that needs it and sent after commit; a worker claims it
# (status running + started_at, attempts counted and committed before the work); the beat sweep, every 5 minutes,
# re-sends an item still queued or running past its deadline. RUNNING_DEADLINE is longer than the item task's hard
# time limit (300 s), so an item whose worker is alive is never sent twice; a re-send that races a live one is
# harmless anyway (agreement_generate(keep_existing=True) never makes a second revision).
QUEUED_DEADLINE = datetime.timedelta(minutes=10)
RUNNING_DEADLINE = datetime.timedelta(minutes=10)
STALE_AFTER = QUEUED_DEADLINE  # the name earlier callers used
# An item whose worker died this many times (say, a document that crashes the converter) is failed, not re-sent.
MAX_ATTEMPTS = 5

# Infrastructure failures that outlived the task's retries: the item shows this code and the batch's re-run
# picks it up.
INFRASTRUCTURE_FAILURES: dict[str, tuple[str, str]] = {
    "DATABASE_UNAVAILABLE": (
        "数据库暂时不可用，多次重试未成功；请稍后重新运行该批次。",
        "The database was unavailable through every retry; re-run the batch later.",
    ),
    "STORAGE_UNAVAILABLE": (
        "文件存储暂时不可写，多次重试未成功；请稍后重新运行该批次。",
        "File storage could not be written through every retry; re-run the batch later.",
    ),
    "BROKER_UNAVAILABLE": (
        "任务队列暂时不可用，多次重试未成功；请稍后重新运行该批次。",
        "The task queue was unavailable through every retry; re-run the batch later.",
    ),
    "UNEXPECTED_ERROR": (
        "生成时发生意外错误，已记录；请稍后重新运行该批次，如仍失败请联系管理员。",
        "An unexpected error occurred (logged); re-run the batch later, or contact the administrator.",
    ),
    "WORKER_LOST": (
        "生成过程多次中断（处理进程意外退出）；请检查该学生的协议数据后重新运行该批次。",
        "Generation was interrupted too many times (the worker died); check the data and re-run the batch.",
    ),
}


def _queue_items(item_ids: list[int], *, now: datetime.datetime) -> None:
    """Record the items as queued now and send them once the surrounding transaction commits."""
    if not item_ids:
        return
    AgreementBatchItem.objects.filter(pk__in=item_ids).update(
        status=BatchItemStatus.PENDING, queued_at=now, started_at=None, error_code="", error_message=""
    )
    ids = list(item_ids)
    transaction.on_commit(lambda: _send_items(ids), robust=True)


def _send_items(item_ids: list[int]) -> None:
    """Send after commit. A broker that is down loses nothing: the items are queued in the database, and the
    sweep sends them once they pass QUEUED_DEADLINE."""
    for pk in item_ids:
        try:
            enqueue("documents.agreement_batch_item", pk)
        except Exception:  # noqa: BLE001 - any broker failure: the rows are the record, the sweep re-sends
            logger.warning(
                "could not send batch items %s..%s; the sweep sends them later",
                pk,
                item_ids[-1],
                exc_info=True,
            )
            return


def _same_scope(batch: AgreementBatch, pilot: Any, cohort: Cohort | None) -> None:
    if batch.pilot_id != getattr(pilot, "pk", None) or batch.cohort_id != getattr(cohort, "pk", None):
        raise ApplicationError(
            "IDEMPOTENCY_KEY_REUSED",
            "该幂等键已用于另一个批次请求，请使用新的幂等键。",
            "This Idempotency-Key was used for a different batch request; use a new key.",
            details={"batch": batch.pk},
            status=422,
        )


def agreement_batch_create(
    *, actor: Any, pilot: Any = None, cohort: Cohort | None = None, idempotency_key: str = ""
) -> AgreementBatch:
    """One item per open placement of the pilot project or cohort, recorded as queued and sent after commit.

    With an idempotency key, a retry by the same user returns the batch the first request made (also when the
    two requests race); the key with another pilot or cohort is refused."""
    if (pilot is None) == (cohort is None):
        raise ApplicationError(
            "BATCH_SCOPE", "请选择一个试点项目或一个年级。", "Choose a pilot project or a cohort."
        )
    user = actor if getattr(actor, "pk", None) else None
    key = (idempotency_key or "").strip() if user is not None else ""
    if len(key) > 100:
        raise ApplicationError(
            "IDEMPOTENCY_KEY_INVALID",
            "幂等键最长100个字符。",
            "An Idempotency-Key is at most 100 characters.",
            details={"length": len(key)},
        )
    if key:
        first = AgreementBatch.objects.filter(created_by=user, idempotency_key=key).first()
        if first is not None:
            _same_scope(first, pilot, cohort)
            return first
    placements = Placement.objects.filter(status__in=OPEN_PLACEMENT_STATUSES)
    if pilot is not None:
        placements, school = placements.filter(pilot=pilot), pilot.school
    else:
        assert cohort is not None
        placements, school = placements.filter(student__cohort=cohort), cohort.program.school
    now = timezone.now()
    try:
        with transaction.atomic():
            batch = AgreementBatch.objects.create(
                school=school, pilot=pilot, cohort=cohort, created_by=user, idempotency_key=key
            )
            items = AgreementBatchItem.objects.bulk_create(
                [
                    AgreementBatchItem(batch=batch, placement_id=pk, queued_at=now)
                    for pk in placements.order_by("pk").values_list("pk", flat=True)
                ]
            )
            audit_record(
                actor=actor,
                action="agreement_batch.create",
                obj=batch,
                changes={"pilot": pilot, "cohort": cohort, "total": len(items)},
            )
            _queue_items([item.pk for item in items], now=now)
            if not items:
                batch.finished_at = now
                batch.save(update_fields=["finished_at", "updated_at"])
    except IntegrityError:
        first = AgreementBatch.objects.filter(created_by=user, idempotency_key=key).first() if key else None
        if first is None:
            raise
        _same_scope(first, pilot, cohort)  # the same request raced this one and won
        return first
    return batch


def agreement_batch_rerun(*, actor: Any, batch: AgreementBatch) -> AgreementBatch:
    """Try again every item that failed or is still waiting; finished agreements and running items are left."""
    with transaction.atomic():
        items = batch.items.filter(status__in=[BatchItemStatus.FAILED, BatchItemStatus.PENDING])
        item_ids = list(items.values_list("pk", flat=True))
        if item_ids:
            batch.finished_at = None
            batch.save(update_fields=["finished_at", "updated_at"])
        audit_record(actor=actor, action="agreement_batch.rerun", obj=batch, changes={"items": len(item_ids)})
        _queue_items(item_ids, now=timezone.now())
    return batch


def agreement_batch_item_run(*, item_id: int) -> str:
    """Generate one batch item's agreement. Idempotent: a finished item is skipped, and a placement whose
    agreement already exists is never generated twice (the task may run again after a crash or a re-send).

    Three short steps, no row lock or transaction held across LibreOffice: claim the item (its attempt is
    counted and committed whatever happens next), generate, record the outcome. An infrastructure error
    (database, storage) propagates, for the task to retry; the item stays running, which the sweep watches."""
    with transaction.atomic():
        item = (
            AgreementBatchItem.objects.select_for_update(of=("self",))
            .select_related("batch__created_by", "placement")
            .filter(pk=item_id)
            .first()
        )
        if item is None or item.status in (BatchItemStatus.DONE, BatchItemStatus.FAILED):
            return "skipped"
        item.status, item.started_at, item.attempts = (
            BatchItemStatus.RUNNING,
            timezone.now(),
            item.attempts + 1,
        )
        item.save(update_fields=["status", "started_at", "attempts", "updated_at"])
    try:
        agreement = agreement_generate(
            actor=item.batch.created_by, placement=item.placement, keep_existing=True
        )
    except ApplicationError as exc:
        return _item_finish(item_id, status=BatchItemStatus.FAILED, code=exc.code, message=exc.message)
    return _item_finish(item_id, status=BatchItemStatus.DONE, agreement=agreement)


def agreement_batch_item_fail(*, item_id: int, code: str) -> str:
    """After the task's last retry of an infrastructure error: the item fails with that code (shown in the
    portal and the API; the batch's re-run picks it up)."""
    message = INFRASTRUCTURE_FAILURES.get(code, INFRASTRUCTURE_FAILURES["WORKER_LOST"])[0]
    return _item_finish(item_id, status=BatchItemStatus.FAILED, code=code, message=message)


def _item_finish(
    item_id: int, *, status: str, code: str = "", message: str = "", agreement: Agreement | None = None
) -> str:
    with transaction.atomic():
        item = (
            AgreementBatchItem.objects.select_for_update(of=("self",))
            .select_related("batch__created_by")
            .filter(pk=item_id)
            .first()
        )
        if item is None:
            return "skipped"
        if item.status == BatchItemStatus.DONE:
            return str(item.status)  # a concurrent run (a re-send) finished it: never undo a done item
        item.status, item.error_code, item.error_message = status, code, message
        item.agreement = agreement
        item.save(update_fields=["status", "error_code", "error_message", "agreement", "updated_at"])
        _finish_if_complete(item.batch)
        return str(item.status)


def _finish_if_complete(batch: AgreementBatch) -> None:
    # Locking the batch row serialises this check between items finishing at the same moment, so the last
    # one always sees the others' committed status.
    AgreementBatch.objects.select_for_update().filter(pk=batch.pk).first()
    if batch.items.filter(status__in=OPEN_ITEM_STATUSES).exists():
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


def agreement_batch_sweep(*, now: datetime.datetime) -> int:
    """Re-send batch items queued or running past their deadline (a lost message, a dead worker, a crash between
    commit and send); an item that has used MAX_ATTEMPTS fails with WORKER_LOST. Returns how many were re-sent."""
    stale_q = (
        Q(status=BatchItemStatus.PENDING, queued_at__lt=now - QUEUED_DEADLINE)
        | Q(status=BatchItemStatus.PENDING, queued_at__isnull=True, updated_at__lt=now - QUEUED_DEADLINE)
        | Q(status=BatchItemStatus.RUNNING, started_at__lt=now - RUNNING_DEADLINE)
    )
    with transaction.atomic():
        stale = list(
            AgreementBatchItem.objects.filter(stale_q)
            .select_for_update(skip_locked=True)
            .values_list("pk", "attempts", "batch_id")
            .order_by("pk")
        )
        exhausted = [pk for pk, attempts, _batch in stale if attempts >= MAX_ATTEMPTS]
        resend = [pk for pk, attempts, _batch in stale if attempts < MAX_ATTEMPTS]
        if exhausted:
            AgreementBatchItem.objects.filter(pk__in=exhausted).update(
                status=BatchItemStatus.FAILED,
                error_code="WORKER_LOST",
                error_message=INFRASTRUCTURE_FAILURES["WORKER_LOST"][0],
            )
            for batch in AgreementBatch.objects.filter(pk__in={b for pk, _a, b in stale if pk in exhausted}):
                _finish_if_complete(batch)
        _queue_items(resend, now=now)
    if stale:
        logger.info(
            "batch sweep: %s re-sent, %s failed after %s attempts", len(resend), len(exhausted), MAX_ATTEMPTS
        )
    return len(resend)


# --- files no row points to -------------------------------------------------------------------------------

# Files are written before the row that names them commits; a worker killed in between leaves a file with
# personal data and no row. Older than this, no transaction can still be about to bind it.
ORPHAN_FILE_GRACE = datetime.timedelta(hours=1)
AGREEMENT_FILE_ROOT = "agreements"


def _stored_files(storage: Any, folder: str) -> list[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" for name in files]
    for sub in folders:
        names += _stored_files(storage, f"{folder}/{sub}")
    return names


def agreement_files_sweep(*, now: datetime.datetime) -> list[str]:
    """Delete the stored agreement files (templates, revisions, sealed PDFs) that no row points to and that are
    older than ORPHAN_FILE_GRACE. Returns the names deleted."""
    from backend.signing.models import SealedAgreement  # signing builds on agreements: import late

    storage = AgreementRevision._meta.get_field("pdf").storage  # type: ignore[attr-defined]
    referenced: set[str] = set(TemplateVersion.objects.values_list("file", flat=True))
    for docx, pdf in AgreementRevision.objects.values_list("docx", "pdf").iterator():
        referenced.update((docx, pdf))
    referenced.update(SealedAgreement.objects.values_list("pdf", flat=True))
    deleted = []
    for name in _stored_files(storage, AGREEMENT_FILE_ROOT):
        if name in referenced:
            continue
        try:
            if storage.get_modified_time(name) >= now - ORPHAN_FILE_GRACE:
                continue
            storage.delete(name)
        except FileNotFoundError:
            continue
        deleted.append(name)
    if deleted:
        logger.warning("deleted %d agreement files no row points to: %s", len(deleted), deleted[:10])
    return deleted
