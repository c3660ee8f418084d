"""Document tasks (queue "documents"): one agreement per task, so one failure never stops a batch."""

import logging
import os

from celery import shared_task
from celery.signals import worker_init, worker_process_init, worker_process_shutdown, worker_shutdown

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


@shared_task(name="documents.agreement_batches_sweep", time_limit=120, soft_time_limit=100)
def agreement_batches_sweep() -> int:
    from django.utils import timezone

    from backend.agreements.services import agreement_batch_sweep

    return agreement_batch_sweep(now=timezone.now())


@shared_task(
    name="documents.agreement_batch_item",
    acks_late=True,  # the service is idempotent: a task lost with a killed worker runs again
    reject_on_worker_lost=True,
    time_limit=300,
    soft_time_limit=240,
)
def agreement_batch_item(item_id: int) -> str:
    from backend.agreements.services import agreement_batch_item_run

    return agreement_batch_item_run(item_id=item_id)
