"""`make run`'s main job on the zero-setup default: SQLite and the embedded broker, a real worker, demo data."""

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LineReader:
    """Reads a subprocess's output on a thread into a queue, so that every read has a real deadline: a process
    that prints nothing (or never closes its output) fails the test on time instead of blocking it."""

    def __init__(self, stream) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)  # end of output

    def until(self, marker: str | None, timeout: float) -> str:
        """The output read until a line containing `marker` (None: until the end of output); fails at the
        deadline with what was read."""
        deadline = time.monotonic() + timeout
        start = len(self.output)
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(remaining, 0))
            except queue.Empty:
                raise AssertionError(
                    f"no {marker or 'end of output'!r} within {timeout}s:\n" + "".join(self.output)
                ) from None
            if line is None:
                return "".join(self.output[start:])
            self.output.append(line)
            if marker is not None and marker in line:
                return "".join(self.output[start:])


@pytest.mark.worker
def test_runall_serves_the_api_with_demo_data_and_a_worker_on_the_embedded_default(tmp_path):
    # given a fresh var/ directory, no DATABASE_URL and no REDIS_URL
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(XUETU_VAR_DIR=str(tmp_path), XUETU_MEDIA_ROOT=str(tmp_path / "media"), PYTHONPATH=str(REPO))
    manage = [sys.executable, "manage.py"]
    for step in (["migrate", "--no-input", "-v0"], ["seed_demo"]):
        subprocess.run(manage + step, cwd=REPO, env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    # when runall starts
    proc = subprocess.Popen(
        manage + ["runall", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    reader = LineReader(proc.stdout)
    try:
        banner = reader.until("Stop with Ctrl-C", timeout=120)
        # then it proved the worker ran a task, and printed the URL and one login per role
        assert "Worker is running tasks" in banner, banner
        assert f"http://127.0.0.1:{port}/" in banner
        for username in ("coord1", "hr1", "mentor1", "student1", "guardian1", "bureau", "admin"):
            assert re.search(rf"^\s+{username}\s", banner, re.M), username
        assert (tmp_path / "xuetu.sqlite3").exists()
        # and the API answers a demo login with its own school's students
        base = f"http://127.0.0.1:{port}"
        token = json.load(
            urllib.request.urlopen(
                urllib.request.Request(
                    f"{base}/api/v1/auth/token/",
                    data=urllib.parse.urlencode({"username": "coord1", "password": "xuetu2026"}).encode(),
                ),
                timeout=30,
            )
        )["token"]
        request = urllib.request.Request(
            f"{base}/api/v1/students/", headers={"Authorization": f"Token {token}"}
        )
        students = json.load(urllib.request.urlopen(request, timeout=30))
        assert students["count"] == 60
    finally:
        # Ctrl-C stops the web server and the worker
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)
    rest = reader.until(None, timeout=60)
    assert "Stopped web server and worker." in rest
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout
    assert leftover == ""


def test_the_line_reader_fails_a_silent_process_at_its_deadline():
    # given a process that prints nothing for 30 s and keeps its output open
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], stdout=subprocess.PIPE, text=True
    )
    try:
        # when the test waits 1 s for a line
        started = time.monotonic()
        with pytest.raises(AssertionError, match="within 1s"):
            LineReader(proc.stdout).until("ready", timeout=1)
        # then it gave up at the deadline instead of blocking until the process ends
        assert time.monotonic() - started < 5
    finally:
        proc.kill()
        proc.wait()
