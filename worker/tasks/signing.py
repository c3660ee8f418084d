"""Signing tasks: seal on the "documents" queue; reminder and expiry sweeps fan out one task per request."""

import logging

from celery import shared_task
from celery.signals import worker_process_init
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(
    name="documents.signing.seal",
    acks_late=True,  # agreement_seal is idempotent
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=120,
    soft_time_limit=100,
)
def seal_agreement(envelope_id: int) -> str | None:
    from backend.signing.sealing import agreement_seal

    sealed = agreement_seal(envelope_id=envelope_id, now=timezone.now())
    return sealed.sha256 if sealed else None


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
