"""Reads of the agreements app, always through the tenant scope."""

import tempfile
import zipfile
from typing import IO, Any

from django.db.models import Count, Q, QuerySet

from backend.accounts.scoping import scope_queryset
from backend.core.errors import NotFound

from .models import (
    OPEN_ITEM_STATUSES,
    Agreement,
    AgreementBatch,
    AgreementRevision,
    BatchItemStatus,
    TemplateVersion,
)


def agreement_list(*, user: Any) -> QuerySet[Agreement]:
    return scope_queryset(
        user,
        Agreement.objects.select_related(
            "placement__student", "placement__post__company", "placement__pilot"
        ),
    )


def agreement_get(*, user: Any, pk: Any) -> Agreement:
    agreement = agreement_list(user=user).filter(pk=pk).first()
    if agreement is None:
        raise NotFound("agreement")
    return agreement


def agreement_revision_get(*, user: Any, agreement_pk: Any, number: int | None = None) -> AgreementRevision:
    """The agreement's revision `number`, or its newest; 404 for anyone who may not see the agreement."""
    revisions = scope_queryset(user, AgreementRevision.objects.select_related("agreement")).filter(
        agreement_id=agreement_pk
    )
    revision = (revisions.filter(number=number) if number else revisions.order_by("-number")).first()
    if revision is None:
        raise NotFound("agreement revision")
    return revision


def template_version_list(*, user: Any) -> QuerySet[TemplateVersion]:
    return scope_queryset(user, TemplateVersion.objects.select_related("school", "uploaded_by"))


def template_version_get(*, user: Any, pk: Any) -> TemplateVersion:
    version = template_version_list(user=user).filter(pk=pk).first()
    if version is None:
        raise NotFound("template version")
    return version


def agreement_batch_get(*, user: Any, pk: Any) -> AgreementBatch:
    batch = scope_queryset(user, AgreementBatch.objects.all()).filter(pk=pk).first()
    if batch is None:
        raise NotFound("agreement batch")
    return batch


def agreement_batch_progress(*, batch: AgreementBatch) -> dict[str, Any]:
    counts = batch.items.aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(status=BatchItemStatus.DONE)),
        failed=Count("id", filter=Q(status=BatchItemStatus.FAILED)),
        # Not finished yet: queued or being generated (`running` says how many of them a worker holds).
        pending=Count("id", filter=Q(status__in=OPEN_ITEM_STATUSES)),
        running=Count("id", filter=Q(status=BatchItemStatus.RUNNING)),
    )
    failures = [
        {
            "placement": item.placement_id,
            "student": item.placement.student.name,
            "code": item.error_code,
            "message": item.error_message,
        }
        for item in batch.items.filter(status=BatchItemStatus.FAILED).select_related("placement__student")
    ]
    return {**counts, "finished": counts["pending"] == 0, "failures": failures}


def agreement_batch_zip(*, batch: AgreementBatch) -> IO[bytes]:
    """Every generated PDF of the batch in one ZIP (spooled to disk beyond 64 MB), positioned at its start."""
    out = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)  # noqa: SIM115 - returned open
    items = (
        batch.items.filter(status=BatchItemStatus.DONE, agreement__isnull=False)
        .select_related("agreement", "placement__student")
        .order_by("id")
    )
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for item in items:
            agreement = item.agreement
            revision = agreement.revisions.order_by("-number").first() if agreement else None
            if agreement is None or revision is None:
                continue
            name = f"{agreement.number}-{item.placement.student.name}.pdf"
            with revision.pdf.open("rb") as fh:
                archive.writestr(name, fh.read())
    out.seek(0)
    return out
