"""A match run whose worker is SIGKILLed mid-run no longer blocks its school for good: the sweep fails it (on a
clock moved past the deadline) and a new run starts and finishes on a fresh worker."""

import datetime
from collections.abc import Iterator

import pytest
from django.db import connections
from django.utils import timezone

from backend.core.errors import ApplicationError
from backend.matching.models import MatchRun, MatchRunStatus
from backend.matching.services import RUNNING_RUN_DEADLINE, match_run_create, match_run_sweep
from tests.conftest import WorkerProcess, running_worker, wait_for
from tests.matching.world import END, START, make_world, prefer

pytestmark = [pytest.mark.worker]


@pytest.fixture
def matching_worker(transactional_db) -> Iterator[WorkerProcess]:
    yield from running_worker(WorkerProcess(queues="default", concurrency=1))


def _hold_proposals_table():
    """Another session that locks the proposals table: the run blocks there once it is running (a long run)."""
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute("LOCK TABLE matching_proposal IN ACCESS EXCLUSIVE MODE")
    return blocker


def test_a_run_whose_worker_is_killed_is_failed_by_the_sweep_and_a_new_run_can_start(matching_worker):
    # given a school with students and posts, and a run that will still be going when its worker dies
    world = make_world(n_students=2)
    for student in world.students:
        prefer(world, student, world.posts[0])
    blocker = _hold_proposals_table()
    run = match_run_create(actor=world.coordinator, school_id=world.school.pk, start_date=START, end_date=END)
    wait_for(lambda: MatchRun.objects.get(pk=run.pk).status == MatchRunStatus.RUNNING, timeout=60)

    # when the worker is SIGKILLed in the middle of the run
    matching_worker.kill()
    blocker.rollback()
    blocker.close()

    # then the run stays running and blocks the school ...
    assert MatchRun.objects.get(pk=run.pk).status == MatchRunStatus.RUNNING
    with pytest.raises(ApplicationError) as busy:
        match_run_create(actor=world.coordinator, school_id=world.school.pk, start_date=START, end_date=END)
    assert busy.value.code == "MATCH_RUN_BUSY"

    # ... until the sweep runs past the deadline (not before)
    assert match_run_sweep(now=timezone.now())["failed"] == 0
    later = timezone.now() + RUNNING_RUN_DEADLINE + datetime.timedelta(minutes=1)
    assert match_run_sweep(now=later) == {"failed": 1, "resent": 0}
    run.refresh_from_db()
    assert (run.status, run.error["code"]) == (MatchRunStatus.FAILED, "WORKER_LOST")

    # when a new run is started, on a fresh worker
    matching_worker.start()
    again = match_run_create(
        actor=world.coordinator, school_id=world.school.pk, start_date=START, end_date=END
    )

    # then it finishes, and the killed run stays failed (its message, redelivered, is left alone)
    wait_for(lambda: MatchRun.objects.get(pk=again.pk).status == MatchRunStatus.DONE, timeout=90)
    assert MatchRun.objects.get(pk=run.pk).status == MatchRunStatus.FAILED
    assert MatchRun.objects.get(pk=again.pk).proposals.count() == 2


def test_two_runs_created_at_once_for_one_school_cannot_both_be_open(transactional_db):
    # given a queued run (created as a concurrent request would, straight past the busy check)
    world = make_world(n_students=1)
    MatchRun.objects.create(school=world.school, seed=1, start_date=START, end_date=END)

    # when another is inserted for the same school
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        MatchRun.objects.create(school=world.school, seed=2, start_date=START, end_date=END)

    # then only one is open
    assert MatchRun.objects.filter(school=world.school, status__in=["queued", "running"]).count() == 1


def test_a_run_created_while_the_broker_is_down_is_committed_queued_and_resent_by_the_sweep(
    transactional_db, api_client_for, settings
):
    # given a school, and a broker that refuses connections
    from tests.conftest import purge_test_broker
    from tests.recovery.faults import broker_down, queued_messages

    purge_test_broker()
    world = make_world(n_students=1)
    client = api_client_for(world.coordinator)

    # when the coordinator starts a run
    with broker_down(settings):
        response = client.post(
            "/api/v1/match-runs/",
            {"start_date": START.isoformat(), "end_date": END.isoformat()},
            format="json",
        )

    # then the request succeeds and the run is queued, with nothing sent
    assert response.status_code in (201, 202), response.content
    run = MatchRun.objects.get(school=world.school)
    assert run.status == MatchRunStatus.QUEUED and queued_messages("default") == 0

    # when the sweep runs past the queued deadline, the run is sent (once)
    from backend.matching.services import QUEUED_RUN_RESEND

    later = timezone.now() + QUEUED_RUN_RESEND + datetime.timedelta(minutes=1)
    assert match_run_sweep(now=later) == {"failed": 0, "resent": 1}
    assert queued_messages("default") == 1
    purge_test_broker()
