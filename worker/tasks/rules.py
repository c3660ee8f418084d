"""Rules tasks: the audit sweeps, the incremental audit of one day, notices. Thin: parse, call one service."""

import datetime
import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="rules.audit_full", acks_late=True, time_limit=1800, soft_time_limit=1700)
def audit_full() -> dict:
    """Nightly: every shift of every active placement, plus the status rules. Idempotent (acks_late is safe)."""
    from backend.rules.services import status_audit, worktime_audit

    result = {"worktime": worktime_audit(), "status": status_audit()}
    logger.info("rules audit (full): %s", result)
    return result


@shared_task(name="rules.audit_day", acks_late=True, time_limit=300, soft_time_limit=270)
def audit_day(day: str = "") -> dict:
    """Hourly: the ISO week of one local day (default: today in Asia/Shanghai), plus the status rules."""
    from django.utils import timezone

    from backend.rules.services import SH, status_audit, worktime_audit

    on = datetime.date.fromisoformat(day) if day else timezone.now().astimezone(SH).date()
    result = {"worktime": worktime_audit(lo_day=on, hi_day=on), "status": status_audit(as_of=on)}
    logger.info("rules audit (%s): %s", on, result)
    return result


@shared_task(name="rules.notify_violations", acks_late=True, time_limit=300, soft_time_limit=270)
def notify_violations(violation_ids: list[int]) -> int:
    from backend.rules.services import violations_notify

    return violations_notify(violation_ids=violation_ids)


@shared_task(name="rules.monthly_summaries", time_limit=1800, soft_time_limit=1700)
def monthly_summaries(month: str = "") -> None:
    """Fans out: one task per batch of 200 active placements for last month's 信息通报."""
    from django.utils import timezone

    from backend.rules.services import SH, active_placements

    today = timezone.now().astimezone(SH).date()
    first = (
        datetime.date.fromisoformat(month) if month else (today.replace(day=1) - datetime.timedelta(days=1))
    )
    ids = list(active_placements().values_list("pk", flat=True))
    for i in range(0, len(ids), 200):
        monthly_summary_batch.delay(first.replace(day=1).isoformat(), ids[i : i + 200])


@shared_task(name="rules.monthly_summary_batch", acks_late=True, time_limit=600, soft_time_limit=570)
def monthly_summary_batch(month: str, placement_ids: list[int]) -> int:
    from backend.rules.services import monthly_summaries_send

    return monthly_summaries_send(month=datetime.date.fromisoformat(month), placement_ids=placement_ids)
