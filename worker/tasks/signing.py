"""Signing tasks: seal on the "documents" queue; reminder and expiry sweeps fan out one task per request."""

import logging

from celery import Task, shared_task
from celery.signals import worker_process_init
from django.utils import timezone

from worker.retry import INFRASTRUCTURE_ERRORS, RETRY_OPTIONS, infrastructure_error_code

logger = logging.getLogger(__name__)


class SealTask(Task):
    """A seal that still fails after the retries (or fails in a way nobody foresaw) marks the envelope
    seal_failed with a code and tells the coordinators; the seal sweep tries it again every 10 minutes."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
        from backend.signing.sealing import envelope_seal_failed

        envelope_id = args[0] if args else kwargs.get("envelope_id")
        code = infrastructure_error_code(exc) if isinstance(exc, INFRASTRUCTURE_ERRORS) else "SEAL_ERROR"
        try:
            envelope_seal_failed(envelope_id=envelope_id, code=code, now=timezone.now())
        except INFRASTRUCTURE_ERRORS:
            logger.warning("envelope %s: could not record the failed seal; the sweep retries it", envelope_id)


@shared_task(
    base=SealTask,
    name="documents.signing.seal",
    acks_late=True,  # agreement_seal is idempotent
    reject_on_worker_lost=True,
    time_limit=120,
    soft_time_limit=100,
    **RETRY_OPTIONS,
)
def seal_agreement(envelope_id: int) -> str:
    """The sealed SHA-256, or the code of the failure recorded on the envelope (never an exception to pickle)."""
    from backend.signing.sealing import envelope_seal

    return envelope_seal(envelope_id=envelope_id, now=timezone.now())


@shared_task(name="signing.seal_sweep", time_limit=120, soft_time_limit=100)
def seal_sweep() -> int:
    """Re-queue the seal of fully signed envelopes still unsealed (a worker died, or the key was missing)."""
    from backend.signing.selectors import envelopes_awaiting_seal

    ids = list(envelopes_awaiting_seal(now=timezone.now()).values_list("pk", flat=True))
    for pk in ids:
        seal_agreement.delay(pk)
    return len(ids)


@shared_task(name="signing.remind_sweep", time_limit=300, soft_time_limit=270)
def remind_sweep() -> int:
    from backend.signing.selectors import requests_due_for_reminder

    ids = list(requests_due_for_reminder(now=timezone.now()).values_list("pk", flat=True))
    for pk in ids:
        remind_request.delay(pk)
    return len(ids)


@shared_task(name="signing.remind", time_limit=60, soft_time_limit=50)
def remind_request(request_id: int) -> bool:
    from backend.signing.services import signing_remind

    return signing_remind(request_id=request_id, now=timezone.now())


@shared_task(name="signing.expire_sweep", time_limit=300, soft_time_limit=270)
def expire_sweep() -> int:
    from backend.signing.selectors import requests_due_for_expiry

    ids = list(requests_due_for_expiry(now=timezone.now()).values_list("pk", flat=True))
    for pk in ids:
        expire_request.delay(pk)
    return len(ids)


@shared_task(name="signing.expire", time_limit=60, soft_time_limit=50)
def expire_request(request_id: int) -> bool:
    from backend.signing.services import signing_expire

    return signing_expire(request_id=request_id, now=timezone.now())


@worker_process_init.connect
def _preload_sealer(**_kwargs) -> None:
    """Load the platform key and the CJK font once per worker process, before the first seal needs them."""
    try:
        from backend.signing.sealing import get_sealer
        from contracts.sealing.certificate_page import register_font

        get_sealer()
        register_font()
    except Exception:  # not configured here (e.g. a default-queue-only worker): the seal task reports it
        logger.info("sealing key not preloaded", exc_info=True)
