"""docx -> PDF through warm LibreOffice processes.

Starting LibreOffice costs about 1.5 s; a warm one converts an agreement in about 0.3 s and converts serially,
so the pool keeps one long-lived LibreOffice per core (`XUETU_CONVERTER_POOL_SIZE`). Each instance is a
helper process run by Debian's /usr/bin/python3 (`contracts/_uno_helper.py`, which can `import uno`) plus the
soffice.bin it starts, both in one process group of their own.

A conversion that takes longer than `XUETU_CONVERTER_TIMEOUT` seconds, or whose LibreOffice crashed, kills
that instance's whole process group with SIGKILL (LibreOffice has been seen ignoring SIGTERM), starts a fresh
one and retries (`XUETU_CONVERTER_RETRIES`). An instance is also recycled after `XUETU_CONVERTER_MAX_JOBS`
conversions.

Use `convert_docx_to_pdf(docx_bytes)`: the pool is created lazily, once per process (a forked Celery child
gets its own, never its parent's), and shut down at exit; `shutdown_converter()` does it explicitly.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

HELPER = Path(__file__).with_name("_uno_helper.py")


class ConversionError(Exception):
    """The document could not be converted (after the allowed retries)."""


class _InstanceDied(Exception):
    """Timeout or crash: the instance is gone and the conversion may be retried on a fresh one."""


@dataclass(frozen=True)
class ConverterSettings:
    pool_size: int
    timeout: float
    retries: int
    max_jobs: int
    startup_timeout: float
    uno_python: str
    soffice: str

    @classmethod
    def from_env(cls) -> ConverterSettings:
        env = os.environ.get
        soffice_bin = "/usr/lib/libreoffice/program/soffice.bin"
        return cls(
            pool_size=int(env("XUETU_CONVERTER_POOL_SIZE") or os.cpu_count() or 1),
            timeout=float(env("XUETU_CONVERTER_TIMEOUT") or 60),
            retries=int(env("XUETU_CONVERTER_RETRIES") or 2),
            max_jobs=int(env("XUETU_CONVERTER_MAX_JOBS") or 100),
            startup_timeout=float(env("XUETU_CONVERTER_STARTUP_TIMEOUT") or 60),
            uno_python=env("XUETU_UNO_PYTHON") or "/usr/bin/python3",
            soffice=env("XUETU_SOFFICE")
            or (soffice_bin if os.path.exists(soffice_bin) else shutil.which("soffice") or "soffice"),
        )


class ConverterInstance:
    """One helper + soffice.bin pair. Not thread-safe: the pool hands it to one caller at a time."""

    def __init__(self, settings: ConverterSettings, name: str) -> None:
        self.settings = settings
        self.name = name
        self.helper: subprocess.Popen[bytes] | None = None
        self.soffice_pid: int | None = None
        self.jobs = 0
        self.starts = 0
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._workdir: Path | None = None

    @property
    def running(self) -> bool:
        return self.helper is not None and self.helper.poll() is None

    def start(self) -> None:
        self.stop()
        # The owner's pid in the name: a later process removes the folders of one that died (remove_stale_profiles).
        self._workdir = Path(tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}pid{os.getpid()}-{self.name}-"))
        profile = self._workdir / "profile"
        pipe = f"xuetu-{os.getpid()}-{self.name}-{uuid.uuid4().hex[:8]}"
        self.helper = subprocess.Popen(
            [
                self.settings.uno_python,
                str(HELPER),
                self.settings.soffice,
                pipe,
                profile.as_uri(),
                str(self.settings.startup_timeout),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # own process group: killpg takes soffice.bin with it
        )
        self._lines = queue.Queue()
        threading.Thread(
            target=self._read, args=(self.helper, self._lines), daemon=True, name=f"lo-{self.name}"
        ).start()
        hello = self._next_line(self.settings.startup_timeout + 5)
        if not hello.get("ready"):
            self.stop()
            raise _InstanceDied(f"LibreOffice did not start: {hello.get('error')}")
        self.soffice_pid = int(hello["soffice_pid"])
        self.jobs = 0
        self.starts += 1
        logger.info("converter %s started (soffice pid %s)", self.name, self.soffice_pid)

    @staticmethod
    def _read(helper: subprocess.Popen[bytes], lines: queue.Queue[str | None]) -> None:
        assert helper.stdout is not None
        for raw in helper.stdout:
            lines.put(raw.decode())
        lines.put(None)

    def _next_line(self, timeout: float) -> dict:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            raise _InstanceDied(f"no answer from LibreOffice within {timeout:g} s") from None
        if line is None:
            self.stop()
            raise _InstanceDied("the LibreOffice helper exited")
        return json.loads(line)

    def convert(self, docx: bytes, timeout: float) -> bytes:
        if not self.running or self.jobs >= self.settings.max_jobs:
            self.start()
        assert self.helper is not None and self.helper.stdin is not None and self._workdir is not None
        job = self._workdir / f"job-{self.jobs}"
        source, target = job.with_suffix(".docx"), job.with_suffix(".pdf")
        source.write_bytes(docx)
        try:
            try:
                self.helper.stdin.write((json.dumps({"in": str(source), "out": str(target)}) + "\n").encode())
                self.helper.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                self.stop()
                raise _InstanceDied(f"the LibreOffice helper is gone: {exc}") from exc
            answer = self._next_line(timeout)
            self.jobs += 1
            if not answer.get("ok"):
                if answer.get("crashed"):
                    self.stop()
                    raise _InstanceDied(answer.get("error", "LibreOffice crashed"))
                raise ConversionError(answer.get("error", "conversion failed"))
            return target.read_bytes()
        finally:
            source.unlink(missing_ok=True)
            target.unlink(missing_ok=True)

    def stop(self, *, graceful: bool = False) -> None:
        """SIGKILL the helper's process group (helper, soffice.bin), reap, remove the profile.

        graceful: first close the helper's stdin so that it stops and reaps its soffice.bin itself.
        """
        helper, self.helper = self.helper, None
        if helper is not None and graceful:
            with contextlib.suppress(OSError):
                helper.stdin and helper.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                helper.wait(timeout=5)
        if helper is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(helper.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                helper.wait(timeout=10)
            for stream in (helper.stdin, helper.stdout):
                with contextlib.suppress(OSError):
                    stream and stream.close()
        if self.soffice_pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.soffice_pid, signal.SIGKILL)  # in case it left the group
            self.soffice_pid = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None


PROFILE_PREFIX = "xuetu-lo-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_stale_profiles(tmp: Path | None = None) -> list[Path]:
    """Remove the LibreOffice work folders (profile, job files) of converter processes that died without
    cleaning up (a SIGKILLed worker leaves one per instance). A folder whose owner still runs is left alone;
    one without an owner pid in its name (an older release) is removed once it is a day old."""
    removed = []
    for folder in Path(tmp or tempfile.gettempdir()).glob(f"{PROFILE_PREFIX}*"):
        owner = folder.name[len(PROFILE_PREFIX) :].split("-", 1)[0].removeprefix("pid")
        stale = False
        if folder.name.startswith(f"{PROFILE_PREFIX}pid") and owner.isdigit():
            stale = int(owner) != os.getpid() and not _alive(int(owner))
        else:
            with contextlib.suppress(OSError):
                stale = time.time() - folder.stat().st_mtime > 86400
        if folder.is_dir() and stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if removed:
        logger.info("removed %d LibreOffice folders of dead converters", len(removed))
    return removed


class ConverterPool:
    """A fixed number of warm instances; callers block until one is free. Thread-safe."""

    def __init__(self, settings: ConverterSettings | None = None) -> None:
        remove_stale_profiles()
        self.settings = settings or ConverterSettings.from_env()
        self.pid = os.getpid()
        self.instances = [ConverterInstance(self.settings, str(i)) for i in range(self.settings.pool_size)]
        self._idle: queue.LifoQueue[ConverterInstance] = queue.LifoQueue()
        for instance in reversed(self.instances):
            self._idle.put(instance)
        self.restarts = 0
        self._closed = False

    def convert(self, docx: bytes, *, timeout: float | None = None) -> bytes:
        if self._closed:
            raise ConversionError("the converter pool is shut down")
        timeout = timeout or self.settings.timeout
        instance = self._idle.get()
        try:
            last: Exception | None = None
            for attempt in range(self.settings.retries + 1):
                try:
                    return instance.convert(docx, timeout)
                except _InstanceDied as exc:
                    last = exc
                    self.restarts += 1
                    logger.warning(
                        "converter %s: %s (attempt %d), restarting", instance.name, exc, attempt + 1
                    )
            raise ConversionError(f"PDF conversion failed after {self.settings.retries + 1} attempts: {last}")
        finally:
            self._idle.put(instance)

    def warm_up(self) -> None:
        """Start every instance now (in parallel) instead of on first use."""
        threads = [threading.Thread(target=i.start) for i in self.instances if not i.running]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def shutdown(self) -> None:
        self._closed = True
        if os.getpid() != self.pid:
            return  # a forked child never touches its parent's LibreOffice
        for instance in self.instances:
            instance.stop(graceful=True)


_pool: ConverterPool | None = None
_pool_lock = threading.Lock()


def get_converter() -> ConverterPool:
    """This process's pool, created on first use (and again in a forked child)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid() or _pool._closed:
            _pool = ConverterPool()
        return _pool


def convert_docx_to_pdf(docx: bytes, *, timeout: float | None = None) -> bytes:
    return get_converter().convert(docx, timeout=timeout)


def shutdown_converter() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown()
            _pool = None


atexit.register(shutdown_converter)


def convert_cold(
    docx: bytes, *, profile: Path | None = None, soffice: str = "soffice", timeout: float = 120
) -> bytes:
    """One `soffice --convert-to pdf` start for one document: the slow way, kept for the benchmark.

    Pass the same `profile` directory to every call to measure a start with an existing user profile.
    """
    with tempfile.TemporaryDirectory(prefix="xuetu-cold-") as tmp:
        profile = profile or Path(tmp, "profile")
        source = Path(tmp) / "agreement.docx"
        source.write_bytes(docx)
        started = time.monotonic()
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
            start_new_session=True,
        )
        logger.debug("cold conversion took %.2f s", time.monotonic() - started)
        return (Path(tmp) / "agreement.pdf").read_bytes()
