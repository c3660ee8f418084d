"""Locust load for bench/checkin.py (run by it, headless; not a benchmark of its own).

Each locust user is one seeded apprentice with a logged-in session and a bound device. The plan file
(BENCH_CHECKIN_PLAN) names them; the samples go to BENCH_CHECKIN_OUT as JSON when the last user is done.

Four rounds, one 30-second code step each, starting at the first step boundary after the users are spawned:
  round 0 and 2 ("burst"): every apprentice clocks at the same moment (clock-in, then clock-out in round 2's
      partner); once the 200 answers are in, every apprentice asks the trivial endpoint at the same moment.
      Throughput is the burst's requests over the time from its first request to its last answer.
  round 1 and 3 ("spread"): every apprentice clocks once and asks the trivial endpoint once, each at a random
      moment in the round's first 15 seconds (about 13 requests/s of each kind): latency without a queue.
The code is computed as the kiosk computes it (backend.attendance.totp.code_for, pyotp) from the site's secret.
The phone page's form is posted as the browser posts it (CSRF token, device cookie, idempotency key), through a
TLS-terminating proxy's headers (X-Forwarded-Proto/-For), so the production settings stay as they are.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
import uuid
from pathlib import Path

import gevent
from gevent.event import Event
from locust import events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from clock_shift import shift_from_env  # noqa: E402

from backend.attendance import totp  # noqa: E402  (pure: pyotp only)

shift_from_env()  # the server's clock (bench/checkin.py --at)

PLAN = json.loads(Path(os.environ["BENCH_CHECKIN_PLAN"]).read_text())
OUT = Path(os.environ["BENCH_CHECKIN_OUT"])
ROUNDS = ("burst", "spread", "burst", "spread")
KINDS = ("in", "out", "in", "out")
SPREAD_SECONDS = 15.0
REFUSAL = re.compile(r'data-code="([A-Z_]+)"')  # the phone page's error box names the refusal's code

state: dict = {"next": 0, "done": 0, "t0": None, "samples": [], "answers": [0] * len(ROUNDS)}
drained = [Event() for _ in ROUNDS]
drained_at = [0.0] * len(ROUNDS)


@events.test_start.add_listener
def _start(environment, **_kw):  # type: ignore[no-untyped-def]
    # the first step boundary at least 3 s away (200 users spawn in about 1 s)
    state["t0"] = (int(time.time() + 3) // totp.STEP + 1) * totp.STEP


def _sleep_until(at: float) -> None:
    delay = at - time.time()
    if delay > 0:
        gevent.sleep(delay)


class Apprentice(FastHttpUser):
    # the default pool of 10 connections per user is plenty; one request at a time per apprentice
    connection_timeout = 30.0
    network_timeout = 60.0

    def on_start(self) -> None:
        self.me = PLAN["apprentices"][state["next"] % len(PLAN["apprentices"])]
        state["next"] += 1
        origin = PLAN["origin"]
        self.headers = {
            "Cookie": (
                f"sessionid={self.me['session']}; csrftoken={self.me['csrf']}; xuetu_device={self.me['device']}"
            ),
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.me["address"],
            "Origin": origin,
            "Referer": f"{origin}/me/clock/",
        }

    def _record(
        self, what: str, rnd: int, started: float, seconds: float, status: int, ok: bool, **extra
    ) -> None:
        state["samples"].append(
            {
                "what": what,
                "round": rnd,
                "start": started,
                "seconds": seconds,
                "status": status,
                "ok": ok,
                **extra,
            }
        )

    def _clock(self, rnd: int) -> None:
        step = state["t0"] // totp.STEP + rnd
        key = uuid.uuid4().hex
        form = {
            "csrfmiddlewaretoken": self.me["csrf"],
            "idempotency_key": key,
            "site": str(self.me["site"]),
            "code": totp.code_for(self.me["secret"], step),
            "kind": KINDS[rnd],
            "latitude": "",
            "longitude": "",
            "accuracy": "",
        }
        ok, status = self._send("clock", rnd, "POST", "/me/clock/", data=form, key=key, kind=KINDS[rnd])
        state["answers"][rnd] += 1
        if state["answers"][rnd] == len(PLAN["apprentices"]):
            drained_at[rnd] = time.time()
            drained[rnd].set()

    def _trivial(self, rnd: int) -> None:
        self._send("trivial", rnd, "GET", PLAN["trivial"])

    def _send(self, what: str, rnd: int, method: str, url: str, data=None, **extra) -> tuple[bool, int]:  # type: ignore[no-untyped-def]
        """One request, timed from here; a clock is accepted by the phone page's redirect back to itself, the
        trivial endpoint by 200."""
        started, t = time.time(), time.perf_counter()
        with self.client.request(
            method, url, data=data, headers=self.headers, allow_redirects=False, catch_response=True,
            name=f"{what} ({ROUNDS[rnd]})",
        ) as response:  # fmt: skip
            seconds = time.perf_counter() - t
            if what == "clock":
                ok = response.status_code == 302 and response.headers.get("Location", "").endswith(
                    "/me/clock/"
                )
            else:
                ok = response.status_code == 200
            if ok:
                response.success()
            else:
                found = REFUSAL.search(response.text or "")
                extra["refusal"] = found.group(1) if found else (response.text or "")[:80]
                response.failure(f"{response.status_code} {extra['refusal']}")
        self._record(what, rnd, started, seconds, response.status_code, ok, **extra)
        return ok, response.status_code

    @task
    def working_day(self) -> None:
        for rnd, shape in enumerate(ROUNDS):
            t_step = state["t0"] + rnd * totp.STEP
            if shape == "burst":
                _sleep_until(t_step + 0.2)
                self._clock(rnd)
                drained[rnd].wait(timeout=max(1.0, t_step + 20 - time.time()))
                _sleep_until((drained_at[rnd] or time.time()) + 1.0)
                self._trivial(rnd)
            else:
                plan = sorted(
                    [
                        (random.uniform(0.5, SPREAD_SECONDS), "clock"),
                        (random.uniform(0.5, SPREAD_SECONDS), "trivial"),
                    ]
                )
                for offset, what in plan:
                    _sleep_until(t_step + offset)
                    (self._clock if what == "clock" else self._trivial)(rnd)
        state["done"] += 1
        if state["done"] == len(PLAN["apprentices"]):
            OUT.write_text(json.dumps({"t0": state["t0"], "samples": state["samples"]}))
            gevent.spawn_later(0.1, self.environment.runner.quit)
        raise StopUser()
