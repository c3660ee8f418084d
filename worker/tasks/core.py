import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="core.heartbeat")
def heartbeat(marker: str = "") -> str:
    """Proves the worker runs tasks: records a heartbeat row that the portal and tests can see."""
    from backend.core.services import heartbeat_record

    return heartbeat_record(marker=marker)


@shared_task(name="notices.email_sweep", acks_late=True, time_limit=300, soft_time_limit=270)
def notices_email_sweep() -> int:
    """Every 5 minutes: the e-mails of notices whose on-commit send was lost or failed (backend/notices)."""
    from backend.notices.services import notices_email_owed

    return notices_email_owed()
