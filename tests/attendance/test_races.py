"""Two submissions at the same moment: the database constraints decide, and nothing is written twice."""

import threading

import pytest
from django.db import connection

from backend.attendance.models import Punch, WorkPeriod
from backend.core.errors import ApplicationError

from .conftest import MONDAY, local, make_world

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    """Run the calls in threads released together; return each one's result or ApplicationError."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except ApplicationError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_scan_sent_twice_at_once_is_stored_once(attempt):
    world = make_world()
    world.clock("in", local(MONDAY, 7, 0, 5))  # binds the device first: the race is about the clock only
    world.clock("out", local(MONDAY, 7, 30, 5))
    t = local(MONDAY, 8, 0, 5)
    results = race(*(lambda: world.clock("in", t, key="same-scan") for _ in range(2)))
    assert all(not isinstance(r, ApplicationError) for r in results), results
    assert results[0].punch.pk == results[1].punch.pk
    assert sorted(r.repeated for r in results) == [False, True]
    assert Punch.objects.filter(idempotency_key="same-scan").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_two_different_clock_ins_at_once_open_one_period(attempt):
    world = make_world()
    world.clock("in", local(MONDAY, 7, 0, 5))
    world.clock("out", local(MONDAY, 7, 30, 5))
    t = local(MONDAY, 8, 0, 5)
    results = race(lambda: world.clock("in", t, key="tap-1"), lambda: world.clock("in", t, key="tap-2"))
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 1 and refused[0].code in ("ATT_CODE_REPLAYED", "ATT_ALREADY_CLOCKED_IN")
    assert WorkPeriod.objects.filter(clock_out__isnull=True).count() == 1
    assert Punch.objects.filter(idempotency_key__in=["tap-1", "tap-2"]).count() == 1
