"""gunicorn config for bench/checkin.py: docker-compose.yml's web command plus the bench's clock in each worker
(clock_shift.py). Nothing else is configured here; the command line gives the rest."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    from clock_shift import shift_from_env

    shift_from_env()
