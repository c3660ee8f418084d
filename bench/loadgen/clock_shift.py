"""The bench's clock: bench/checkin.py, gunicorn's workers and locust all run shifted by the same number of
seconds (BENCH_CLOCK_OFFSET), so that a run at any hour measures the morning burst it is about (08:00 Beijing
time on a working day) rather than whatever the machine's hour makes of it (at night every clock-in is also a
NIGHT_WORK violation). time-machine moves time.time() and datetime.now() with the real clock (tick), never the
monotonic clocks gunicorn's and gevent's timers use. No offset, no shift: `bench/checkin.py --at now`."""

from __future__ import annotations

import os
import time

OFFSET_ENV = "BENCH_CLOCK_OFFSET"


def shift(offset: float) -> None:
    if offset:
        import time_machine

        time_machine.travel(time.time() + offset, tick=True).start()
        time.time()  # a ticking travel starts counting at the first reading: now, not at the first request


def shift_from_env() -> None:
    shift(float(os.environ.get(OFFSET_ENV) or 0))
