"""Document tasks (queue "documents"): one agreement per task, so one failure never stops a batch."""

import logging
import os

from celery import Task, shared_task
from celery.signals import worker_init, worker_process_init, worker_process_shutdown, worker_shutdown

from worker.retry import INFRASTRUCTURE_ERRORS, RETRY_OPTIONS, infrastructure_error_code

logger = logging.getLogger(__name__)


def _warm_up_in_background() -> None:
    import threading

    from contracts.convert import get_converter

    threading.Thread(target=get_converter().warm_up, daemon=True, name="libreoffice-warm-up").start()


@worker_init.connect
def _warm_libreoffice_of_a_thread_pool(sender: object, **_: object) -> None:
    # The documents workers run the threads pool (docker-compose.yml): one Python process whose converter pool
    # keeps one warm LibreOffice per core (XUETU_CONVERTER_POOL_SIZE), shared by the pool's threads; with a
    # thread more than converters, the next agreement renders while the others convert. One process instead of
    # N forked copies of Django keeps the worker under 1 GiB.
    from celery.concurrency import get_implementation
    from celery.concurrency.thread import TaskPool as ThreadsPool

    from contracts.convert import remove_stale_profiles

    remove_stale_profiles()  # the folders a killed worker's LibreOffice left behind

    pool = get_implementation(getattr(sender, "pool_cls", None) or "prefork")  # a class, or its alias
    if issubclass(pool, ThreadsPool) and os.environ.get("XUETU_CONVERTER_WARM") == "1":
        _warm_up_in_background()


@worker_process_init.connect
def _one_libreoffice_per_worker_process(**_: object) -> None:
    # prefork: every child keeps its own warm LibreOffice; one each, so `-c N` gives N converters.
    os.environ.setdefault("XUETU_CONVERTER_POOL_SIZE", "1")
    if os.environ.get("XUETU_CONVERTER_WARM") == "1":
        _warm_up_in_background()


@worker_process_shutdown.connect
@worker_shutdown.connect
def _stop_libreoffice(**_: object) -> None:
    from contracts.convert import shutdown_converter

    shutdown_converter()


@shared_task(name="documents.heartbeat", time_limit=30, soft_time_limit=20)
def documents_heartbeat() -> str:
    """Every 30 s on the documents queue: /healthz reports the documents worker down when this is over a minute old."""
    from backend.core.services import heartbeat_record

    return heartbeat_record(marker="documents")


@shared_task(name="documents.agreement_files_sweep", time_limit=600, soft_time_limit=540)
def agreement_files_sweep() -> int:
    """Hourly: delete agreement files no row points to (left by a worker killed between writing and commit)."""
    from django.utils import timezone

    from backend.agreements.services import agreement_files_sweep as sweep

    return len(sweep(now=timezone.now()))


@shared_task(name="documents.agreement_batches_sweep", time_limit=120, soft_time_limit=100)
def agreement_batches_sweep() -> int:
    from django.utils import timezone

    from backend.agreements.services import agreement_batch_sweep

    return agreement_batch_sweep(now=timezone.now())


class BatchItemTask(Task):
    """After the last retry of an infrastructure error (or any unforeseen error) the item fails with its code. If even that write
    cannot be made (the database is still down), the item stays running and the sweep re-sends it later."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
        from backend.agreements.services import agreement_batch_item_fail

        item_id = args[0] if args else kwargs.get("item_id")
        # An error nobody foresaw (a bug, the soft time limit) fails the item visibly too, instead of leaving it
        # running for the sweep to re-send until its attempts are used up.
        code = (
            infrastructure_error_code(exc) if isinstance(exc, INFRASTRUCTURE_ERRORS) else "UNEXPECTED_ERROR"
        )
        try:
            agreement_batch_item_fail(item_id=item_id, code=code)
        except INFRASTRUCTURE_ERRORS:
            logger.warning("batch item %s: could not record its failure; the sweep re-sends it", item_id)


@shared_task(
    base=BatchItemTask,
    name="documents.agreement_batch_item",
    acks_late=True,  # the service is idempotent: a task lost with a killed worker runs again
    reject_on_worker_lost=True,
    time_limit=300,  # below the sweep's RUNNING_DEADLINE (10 min): a live item is never re-sent
    soft_time_limit=240,
    **RETRY_OPTIONS,
)
def agreement_batch_item(item_id: int) -> str:
    from backend.agreements.services import agreement_batch_item_run

    return agreement_batch_item_run(item_id=item_id)
