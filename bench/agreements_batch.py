"""Part 2 of bench/agreements.py: a whole batch end to end through a real Celery worker.

Creates a throw-away PostgreSQL database (XUETU_TEST_DB, default test_xuetu_bench), one pilot project with N
complete placements, starts `celery worker -Q documents --pool threads -c <cores + 1>` (as docker-compose.yml
runs worker-documents: one warm LibreOffice per core; `--pool prefork` to compare, one per child) on the Redis
database XUETU_REDIS_DB, creates the batch and waits until no item is pending. Prints docs/s, the time for the
batch, the worker's peak memory (the celery processes plus their LibreOffice helpers and soffice.bin, PSS and
summed RSS), and, in the same run, one soffice start per document for a sample of the same documents,
extrapolated to the batch.
"""

from __future__ import annotations

import datetime
import os
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.test")
os.environ.setdefault("XUETU_TEST_DB", "test_xuetu_bench")
os.environ.setdefault("XUETU_REDIS_DB", "15")  # the bench empties this Redis database; never the app's own


def _processes() -> list[tuple[int, int, int, int, int]]:
    """(pid, ppid, pgid, rss bytes, pss bytes) of every process (PSS counts shared pages once)."""
    rows = []
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            rollup = (entry / "smaps_rollup").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        fields = stat.rsplit(")", 1)[1].split()
        pss = next(
            (int(line.split()[1]) * 1024 for line in rollup.splitlines() if line.startswith("Pss:")), 0
        )
        rows.append((int(entry.name), int(fields[1]), int(fields[2]), int(fields[21]) * page, pss))
    return rows


def _worker_memory(pgid: int) -> dict[str, int]:
    """Memory of the worker's process group (celery) and of the converter groups (helper + soffice.bin, each in
    a process group of its own) that its pool processes started: RSS summed, and PSS summed."""
    rows = _processes()
    members = {pid for pid, _, group, _, _ in rows if group == pgid}
    helper_groups = {pid for pid, ppid, group, _, _ in rows if ppid in members and pid == group}
    memory = {"celery_rss": 0, "office_rss": 0, "celery_pss": 0, "office_pss": 0}
    for _pid, _ppid, group, rss, pss in rows:
        if group == pgid:
            memory["celery_rss"] += rss
            memory["celery_pss"] += pss
        elif group in helper_groups:
            memory["office_rss"] += rss
            memory["office_pss"] += pss
    return memory


def part2(batch_size: int, cold_sample: int, pool: str = "threads", concurrency: int = 0) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        _run(batch_size, cold_sample, test_db, pool, concurrency)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


def _run(batch_size: int, cold_sample: int, test_db: str, pool: str, concurrency: int) -> None:
    from backend.agreements.context import agreement_context_build, placement_agreement_kind
    from backend.agreements.models import BatchItemStatus
    from backend.agreements.services import agreement_batch_create, template_version_current
    from contracts.convert import convert_cold
    from contracts.render import render_docx
    from tests.conftest import WorkerProcess, purge_test_broker
    from tests.factories.accounts import CoordinatorFactory
    from tests.factories.agreements import complete_placement
    from tests.factories.placements import PilotProjectFactory

    started = time.perf_counter()
    pilot = PilotProjectFactory()
    for i in range(batch_size):
        complete_placement(pilot=pilot, birth=datetime.date(2006, 1, 1) + datetime.timedelta(days=i * 3))
    coordinator = CoordinatorFactory(school=pilot.school)
    print(
        f"agreements part 2: {batch_size} placements created in {time.perf_counter() - started:.1f} s "
        f"(database {test_db})"
    )

    cores = os.cpu_count() or 1
    concurrency = concurrency or (cores + 1 if pool == "threads" else cores)
    purge_test_broker()
    worker = WorkerProcess(
        queues="documents", concurrency=concurrency, pool=pool, extra_env={"XUETU_CONVERTER_WARM": "1"}
    ).start()
    time.sleep(8)  # let every converter start its LibreOffice, as a long-running worker already has
    peak_rss: dict[str, int] = {"total": 0}
    peak_pss: dict[str, int] = {"total": 0}
    stop = threading.Event()

    def sample() -> None:
        assert worker.process is not None
        while not stop.is_set():
            memory = _worker_memory(worker.process.pid)
            rss = memory["celery_rss"] + memory["office_rss"]
            pss = memory["celery_pss"] + memory["office_pss"]
            if rss > peak_rss["total"]:
                peak_rss.update(memory, total=rss)
            if pss > peak_pss["total"]:
                peak_pss.update(memory, total=pss)
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        started = time.perf_counter()
        batch = agreement_batch_create(actor=coordinator, pilot=pilot)
        while batch.items.filter(status=BatchItemStatus.PENDING).exists():
            time.sleep(0.5)
        batch_s = time.perf_counter() - started
    finally:
        stop.set()
        sampler.join()
        worker.stop()
        purge_test_broker()
    done = batch.items.filter(status=BatchItemStatus.DONE).count()
    failed = batch.items.filter(status=BatchItemStatus.FAILED).count()

    # the baseline, same run, same documents: render + one soffice start per document
    sample_items = list(batch.items.select_related("agreement").order_by("id")[:cold_sample])
    with tempfile.TemporaryDirectory(prefix="xuetu-bench-") as tmp:
        profile = Path(tmp) / "profile"
        first = sample_items[0].agreement.current_revision
        with first.docx.open("rb") as fh:
            convert_cold(fh.read(), profile=profile)  # create the profile once
        started = time.perf_counter()
        for item in sample_items:
            placement = item.placement
            kind = placement_agreement_kind(placement)
            template = template_version_current(kind=kind, school=pilot.school)
            with template.file.open("rb") as fh:
                docx = render_docx(
                    fh.read(), agreement_context_build(placement=placement, kind=kind, number="X")
                )
            convert_cold(docx, profile=profile)
        cold_s = (time.perf_counter() - started) / len(sample_items) * batch_size

    mib = 1024 * 1024
    converters = os.environ.get("XUETU_CONVERTER_POOL_SIZE") or (cores if pool == "threads" else concurrency)
    print(
        f"  batch through the worker (-Q documents -c {concurrency} --pool {pool}, {converters} warm LibreOffice)"
    )
    print(
        f"    {done} done, {failed} failed of {batch_size} in {batch_s:.1f} s: {batch_size / batch_s:.2f} docs/s "
        f"(render, convert, store)"
    )
    print(
        f"    peak worker memory, PSS: {peak_pss['total'] / mib:.0f} MiB (celery {peak_pss['celery_pss'] / mib:.0f}"
        f" MiB + LibreOffice {peak_pss['office_pss'] / mib:.0f} MiB)"
    )
    print(
        f"    peak worker memory, RSS summed (shared pages counted per process): {peak_rss['total'] / mib:.0f} MiB"
        f" (celery {peak_rss['celery_rss'] / mib:.0f} MiB + LibreOffice {peak_rss['office_rss'] / mib:.0f} MiB)"
    )
    print(f"  one soffice start per document ({len(sample_items)} measured, extrapolated to {batch_size}):")
    print(f"    {cold_s:.1f} s: {batch_size / cold_s:.2f} docs/s")
    print(f"  worker batch speed-up over one soffice per document: {cold_s / batch_s:.1f}x")


if __name__ == "__main__":
    import argparse
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--cold-sample", type=int, default=20)
    parser.add_argument("--pool", choices=("threads", "prefork"), default="threads")
    parser.add_argument(
        "--concurrency", type=int, default=0, help="worker -c (default: cores + 1 threads, cores children)"
    )
    args = parser.parse_args()
    part2(args.batch, args.cold_sample, args.pool, args.concurrency)
