"""`make run`'s main job on the zero-setup default: SQLite and the embedded broker, a real worker, demo data."""

import json
import os
import re
import signal
import subprocess
import sys
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
    output = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Stop with Ctrl-C" in line:
                break
        banner = "".join(output)
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
                )
            )
        )["token"]
        request = urllib.request.Request(
            f"{base}/api/v1/students/", headers={"Authorization": f"Token {token}"}
        )
        students = json.load(urllib.request.urlopen(request))
        assert students["count"] == 60
    finally:
        # Ctrl-C stops the web server and the worker
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)
    rest = proc.stdout.read()
    assert "Stopped web server and worker." in rest
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout
    assert leftover == ""
