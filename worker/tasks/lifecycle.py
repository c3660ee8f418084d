"""Lifecycle jobs: the injury sweep (24-hour reporting clock, owed insurer e-mails). Thin: one service call."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="lifecycle.injuries_sweep", acks_late=True, time_limit=300, soft_time_limit=270)
def injuries_sweep() -> dict:
    """Every 15 minutes: flag injury reports past their 24-hour deadline (told once), send owed insurer e-mails.
    Idempotent (a flagged report is flagged once; an e-mail sent is marked), so acks_late is safe."""
    from django.utils import timezone

    from backend.lifecycle.services import injuries_sweep as sweep

    result = sweep(now=timezone.now())
    if any(result.values()):
        logger.info("injuries sweep: %s", result)
    return result
