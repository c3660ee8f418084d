import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="matching.run", time_limit=1800, soft_time_limit=1700)
def match_run_execute_task(run_id: int) -> str:
    """Run one match. Progress is on the MatchRun row (phase, progress_done/progress_total)."""
    from backend.matching.services import match_run_execute

    run = match_run_execute(run_id=run_id)
    logger.info("match run %s: %s", run_id, run.status)
    return str(run.status)
