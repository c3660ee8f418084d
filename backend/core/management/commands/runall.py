"""`make run`'s main job: the portal and API, a Celery worker and exactly one beat, in one terminal.

Prints the URL and the demo logins once everything answers; Ctrl-C stops all of it.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the web server, a Celery worker with beat, and print the URL and demo logins."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default=os.environ.get("XUETU_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("XUETU_PORT", "8000")))

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        repo = Path(settings.BASE_DIR)
        var = Path(settings.VAR_DIR)
        for folder in ("broker/queue", "broker/processed", "logs"):
            (var / folder).mkdir(parents=True, exist_ok=True)
        url = f"http://{options['host']}:{options['port']}"
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "XUETU_PUBLIC_URL": os.environ.get("XUETU_PUBLIC_URL", url),
        }
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", f"{options['host']}:{options['port']}", "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "worker",
                "worker",
                "--beat",
                "-Q",
                "default,documents",
                "-c",
                "2",
                "-l",
                "INFO",
                "-s",
                str(var / "celerybeat-schedule"),
                "--without-gossip",
                "--without-mingle",
            ],
        }
        processes: dict[str, subprocess.Popen[bytes]] = {}

        def stop_all(*_args: object) -> None:
            for proc in processes.values():
                if proc.poll() is None:
                    proc.terminate()  # the worker finishes its current tasks (warm shutdown), then stops its pool
            deadline = time.monotonic() + 15
            for proc in processes.values():
                try:
                    proc.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            self.stdout.write("\nStopped web server and worker.")

        for name, command in commands.items():
            log = open(var / "logs" / f"{name}.log", "ab")  # noqa: SIM115 (kept open for the child's lifetime)
            processes[name] = subprocess.Popen(
                command, cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

        def interrupt(*_args: object) -> None:
            raise KeyboardInterrupt

        # Ctrl-C (SIGINT) and SIGTERM both stop everything, even where a parent shell ignored SIGINT.
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, interrupt)
        try:
            self._wait_for_web(url, processes["web"])
            self._prove_worker(processes["worker"])
            self._print_banner(url, var)
            while all(proc.poll() is None for proc in processes.values()):
                time.sleep(1)
            dead = [name for name, proc in processes.items() if proc.poll() is not None]
            raise CommandError(f"{', '.join(dead)} stopped; see {var / 'logs'}")
        except KeyboardInterrupt:
            pass
        finally:
            stop_all()

    def _wait_for_web(self, url: str, proc: subprocess.Popen[bytes]) -> None:
        for _ in range(120):
            if proc.poll() is not None:
                raise CommandError("the web server did not start; see var/logs/web.log")
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # the web server answers (503 until the worker's first documents heartbeat)
            except OSError:
                time.sleep(0.5)
        raise CommandError("the web server did not answer within 60 s; see var/logs/web.log")

    def _prove_worker(self, proc: subprocess.Popen[bytes]) -> None:
        from backend.core.models import Heartbeat
        from backend.core.queue import enqueue

        marker = f"make-run-{int(time.time())}"
        enqueue("core.heartbeat", marker)
        for _ in range(120):
            if proc.poll() is not None:
                raise CommandError("the worker did not start; see var/logs/worker.log")
            if Heartbeat.objects.filter(marker=marker).exists():
                self.stdout.write(self.style.SUCCESS("Worker is running tasks (heartbeat task done)."))
                return
            time.sleep(0.5)
        raise CommandError("the worker did not run its first task within 60 s; see var/logs/worker.log")

    def _print_banner(self, url: str, var: Path) -> None:
        line = "=" * 64
        self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"学徒 xuetu is running at {url}/"))
        self.stdout.write(
            f"  portal {url}/   API {url}/api/v1/   API docs {url}/api/docs/   admin {url}/admin/"
        )
        if "demo_logins" in get_commands():  # the demo app's command, called by name: core does not import it
            call_command("demo_logins", stdout=self.stdout)
        self.stdout.write(f"  logs: {var / 'logs'}   Stop with Ctrl-C.")
        self.stdout.write(line)
