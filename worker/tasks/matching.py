import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(
    name="matching.run",
    acks_late=True,  # match_run_execute is idempotent (a done or failed run is left alone)
    reject_on_worker_lost=True,
    time_limit=1800,  # below the sweep's RUNNING_RUN_DEADLINE (35 min)
    soft_time_limit=1700,
)
def match_run_execute_task(run_id: int) -> str:
    """Run one match. Progress is on the MatchRun row (phase, progress_done/progress_total)."""
    from backend.matching.services import match_run_execute

    run = match_run_execute(run_id=run_id)
    logger.info("match run %s: %s", run_id, run.status)
    return str(run.status)


@shared_task(name="matching.runs_sweep", time_limit=120, soft_time_limit=100)
def runs_sweep() -> dict:
    """Fail runs whose worker died, so the school is not blocked with MATCH_RUN_BUSY; re-send lost queued runs."""
    from django.utils import timezone

    from backend.matching.services import match_run_sweep

    return match_run_sweep(now=timezone.now())
