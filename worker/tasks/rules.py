"""Rules tasks: the audit sweeps, the incremental audit of one day, notices. Thin: parse, call one service."""

import datetime
import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="rules.audit_full", acks_late=True, time_limit=1800, soft_time_limit=1700)
def audit_full() -> dict:
    """Nightly: every shift of every active placement, plus the status rules. Idempotent (acks_late is safe)."""
    from backend.rules.services.audit import status_audit, worktime_audit

    result = {"worktime": worktime_audit(), "status": status_audit()}
    logger.info("rules audit (full): %s", result)
    return result


@shared_task(name="rules.audit_day", acks_late=True, time_limit=300, soft_time_limit=270)
def audit_day(day: str = "") -> dict:
    """Hourly: the ISO week of one local day (default: today in Asia/Shanghai), plus the status rules."""
    from backend.core.clock import local_today
    from backend.rules.services.audit import status_audit, worktime_audit

    on = datetime.date.fromisoformat(day) if day else local_today()
    result = {"worktime": worktime_audit(lo_day=on, hi_day=on), "status": status_audit(as_of=on)}
    logger.info("rules audit (%s): %s", on, result)
    return result


@shared_task(name="rules.notify_violations", acks_late=True, time_limit=300, soft_time_limit=270)
def notify_violations(violation_ids: list[int]) -> int:
    from backend.rules.services.notices import violations_notify

    return violations_notify(violation_ids=violation_ids)


@shared_task(name="rules.notices_sweep", acks_late=True, time_limit=300, soft_time_limit=270)
def notices_sweep() -> dict:
    """Every 5 minutes: the violation notices still owed (a killed audit part, a lost notify task) are sent."""
    from backend.rules.services.notices import violations_notify_owed

    result = violations_notify_owed()
    if result["violations"]:
        logger.info("rules notices sweep: %s", result)
    return result


@shared_task(name="rules.monthly_summaries", time_limit=1800, soft_time_limit=1700)
def monthly_summaries(month: str = "") -> None:
    """Fans out: one task per batch of 200 active placements for last month's 信息通报."""
    from backend.core.clock import local_today
    from backend.rules.services.notices import monthly_summary_batches

    first, batches = monthly_summary_batches(
        month=datetime.date.fromisoformat(month) if month else None, today=local_today()
    )
    for ids in batches:
        monthly_summary_batch.delay(first.isoformat(), ids)


@shared_task(name="rules.monthly_summary_batch", acks_late=True, time_limit=600, soft_time_limit=570)
def monthly_summary_batch(month: str, placement_ids: list[int]) -> int:
    from backend.rules.services.notices import monthly_summaries_send

    return monthly_summaries_send(month=datetime.date.fromisoformat(month), placement_ids=placement_ids)
