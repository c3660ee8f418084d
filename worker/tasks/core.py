import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="core.heartbeat")
def heartbeat(marker: str = "") -> str:
    """Proves the worker runs tasks: records a heartbeat row that the portal and tests can see."""
    from backend.core.services import heartbeat_record

    return heartbeat_record(marker=marker)
