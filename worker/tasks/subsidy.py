"""Subsidy jobs: the nightly sweep and the monthly company statements. Thin: ISO dates in, one service call."""

import datetime
import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="subsidy.nightly_sweep", acks_late=True, time_limit=1800, soft_time_limit=1700)
def nightly_sweep(as_of: str = "") -> dict:
    """Accrue newly passed assessments, reverse revoked ones, re-evaluate holds. Idempotent, so acks_late.

    Without ``as_of``: the due day's run, once (recorded in SweepRun; see backend/subsidy/runs.py). With it (a
    person re-running a day): that day, always."""
    from backend.subsidy.runs import subsidy_sweep_run_due
    from backend.subsidy.services import subsidy_sweep

    if as_of:
        day = datetime.date.fromisoformat(as_of)
        counts = subsidy_sweep(as_of=day)
        logger.info("subsidy sweep %s: %s", day, counts)
        return counts
    result = subsidy_sweep_run_due()
    logger.info("subsidy sweep: %s", result)
    return result


@shared_task(name="subsidy.sweep_catch_up", acks_late=True, time_limit=1800, soft_time_limit=1700)
def sweep_catch_up() -> dict:
    """Every 5 minutes: the due day's sweep if it has not finished (a killed nightly sweep is back within
    minutes, not after the 1 h visibility timeout). Returns at once when done or another sweep runs."""
    from backend.subsidy.runs import subsidy_sweep_run_due

    result = subsidy_sweep_run_due()
    if result["outcome"] == "swept":
        logger.info("subsidy sweep (catch-up): %s", result)
    return result


@shared_task(name="subsidy.monthly_statements")
def monthly_statements(month: str = "") -> int:
    """Fan out one statement task per company with claims (for the month just ended by default)."""
    from django.utils import timezone

    from backend.subsidy.selectors import company_ids_with_claims, month_end

    if month:
        day = datetime.date.fromisoformat(month)
    else:
        day = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    company_ids = company_ids_with_claims(until=month_end(day))
    for company_id in company_ids:
        company_statement.delay(company_id, day.replace(day=1).isoformat())
    return len(company_ids)


@shared_task(name="subsidy.company_statement", acks_late=True)
def company_statement(company_id: int, month: str) -> int:
    """Send one company its statement; the notice's dedupe key makes a repeat harmless."""
    from backend.companies.models import Company
    from backend.subsidy.services import subsidy_statement_send

    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return 0
    return subsidy_statement_send(company=company, month=datetime.date.fromisoformat(month))
