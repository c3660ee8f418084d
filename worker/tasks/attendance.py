"""Attendance tasks: the sweep of clock-outs still missing the next morning. Thin: call one service."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="attendance.missing_clock_out_sweep", acks_late=True, time_limit=300, soft_time_limit=270)
def missing_clock_out_sweep() -> int:
    """Every 15 minutes: flag (once) each period still open at 08:00 the morning after its day."""
    from backend.attendance.services import missing_clock_out_sweep as sweep

    flagged = sweep()
    if flagged:
        logger.info("attendance: %s missing clock-outs flagged", flagged)
    return flagged
