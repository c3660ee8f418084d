"""The warm LibreOffice pool: reuse, timeout of a hung instance, crash recovery, retries, clean shutdown."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from contracts.context import AgreementKind
from contracts.convert import ConversionError, ConverterPool, ConverterSettings
from contracts.render import render_docx
from contracts.samples import sample_context

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def agreement_docx(template_bytes):
    return render_docx(template_bytes("three_party"), sample_context(AgreementKind.THREE_PARTY))


@pytest.fixture
def make_pool():
    pools = []

    def make(**overrides):
        base = ConverterSettings.from_env()
        settings = ConverterSettings(
            **{**base.__dict__, "pool_size": 1, "timeout": 20, "retries": 1, **overrides}
        )
        pool = ConverterPool(settings)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.shutdown()


def _gone(pid: int, within: float = 10) -> bool:
    """True once pid no longer runs (a zombie awaiting its reaper counts as gone)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def test_a_warm_instance_converts_many_documents_without_restarting(make_pool, agreement_docx):
    # given
    pool = make_pool()

    # when
    pdfs = [pool.convert(agreement_docx) for _ in range(3)]
    instance = pool.instances[0]

    # then
    assert all(pdf.startswith(b"%PDF-") for pdf in pdfs)
    assert instance.starts == 1 and instance.jobs == 3
    assert pool.restarts == 0


def test_a_hung_libreoffice_times_out_is_killed_and_the_conversion_is_retried(make_pool, agreement_docx):
    # given: a warm instance whose soffice.bin is then frozen
    pool = make_pool(timeout=6)
    pool.convert(agreement_docx)
    frozen = pool.instances[0].soffice_pid
    os.kill(frozen, signal.SIGSTOP)

    # when
    pdf = pool.convert(agreement_docx)

    # then
    assert pdf.startswith(b"%PDF-")
    assert pool.restarts == 1
    assert pool.instances[0].soffice_pid != frozen
    assert _gone(frozen)


def test_a_killed_libreoffice_is_replaced_before_the_next_conversion(make_pool, agreement_docx):
    # given
    pool = make_pool()
    pool.convert(agreement_docx)
    killed = pool.instances[0].soffice_pid
    os.kill(killed, signal.SIGKILL)

    # when
    pdf = pool.convert(agreement_docx)

    # then
    assert pdf.startswith(b"%PDF-")
    assert pool.instances[0].soffice_pid != killed
    assert pool.instances[0].starts == 2


def test_libreoffice_killed_in_the_middle_of_a_conversion_is_retried(make_pool, agreement_docx):
    # given
    pool = make_pool()
    pool.convert(agreement_docx)
    victim = pool.instances[0].soffice_pid
    big = render_docx(
        Path("templates/agreements/four_party.docx").read_bytes(), sample_context(AgreementKind.FOUR_PARTY)
    )
    killer = threading.Timer(0.05, os.kill, args=(victim, signal.SIGKILL))

    # when
    killer.start()
    pdf = pool.convert(big)
    killer.join()

    # then
    assert pdf.startswith(b"%PDF-")
    assert pool.instances[0].soffice_pid != victim
    assert _gone(victim)


def test_when_every_attempt_hangs_the_caller_gets_a_conversion_error_and_the_pool_recovers(
    make_pool, agreement_docx
):
    # given: no retries and a frozen LibreOffice
    pool = make_pool(retries=0)
    pool.convert(agreement_docx)
    os.kill(pool.instances[0].soffice_pid, signal.SIGSTOP)

    # when
    with pytest.raises(ConversionError, match="no answer from LibreOffice within 2 s"):
        pool.convert(agreement_docx, timeout=2)

    # then: the next document converts on a fresh instance
    assert pool.convert(agreement_docx).startswith(b"%PDF-")


def test_shutdown_leaves_no_libreoffice_behind(make_pool, agreement_docx):
    # given
    pool = make_pool()
    pool.convert(agreement_docx)
    helper_pid, soffice_pid = pool.instances[0].helper.pid, pool.instances[0].soffice_pid

    # when
    pool.shutdown()

    # then
    assert _gone(helper_pid) and _gone(soffice_pid)
    with pytest.raises(ConversionError):
        pool.convert(agreement_docx)


def test_a_helper_whose_parent_dies_takes_its_libreoffice_with_it(tmp_path):
    # given: a process that starts a pool and is then killed hard (as a Celery child can be)
    script = tmp_path / "owner.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(Path.cwd())!r})\n"
        "from contracts.convert import ConverterPool, ConverterSettings\n"
        "import dataclasses\n"
        "pool = ConverterPool(dataclasses.replace(ConverterSettings.from_env(), pool_size=1))\n"
        "pool.warm_up()\n"
        "print(pool.instances[0].soffice_pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    import subprocess
    import sys

    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    soffice_pid = int(owner.stdout.readline())

    # when
    owner.kill()
    owner.wait()

    # then
    assert _gone(soffice_pid, within=10)


def test_the_folders_of_a_dead_converter_process_are_removed_and_a_live_ones_kept(tmp_path):
    # given the work folders of a process that died (a SIGKILLed worker), of this process, and of an old release
    import subprocess

    from contracts.convert import PROFILE_PREFIX, remove_stale_profiles

    dead = subprocess.Popen(["true"])
    dead.wait()
    gone = tmp_path / f"{PROFILE_PREFIX}pid{dead.pid}-0-abcd"
    (gone / "profile" / "user").mkdir(parents=True)
    mine = tmp_path / f"{PROFILE_PREFIX}pid{os.getpid()}-0-efgh"
    mine.mkdir()
    old = tmp_path / f"{PROFILE_PREFIX}0-ijkl"  # no pid in the name: removed only once a day old
    old.mkdir()
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    young = tmp_path / f"{PROFILE_PREFIX}1-mnop"  # an old release's, still young
    young.mkdir()

    # when
    removed = remove_stale_profiles(tmp_path)

    # then
    assert sorted(removed) == sorted([gone, old])
    assert not gone.exists() and not old.exists()
    assert mine.exists() and young.exists()


def test_a_restarted_libreoffice_leaves_no_folder_of_the_dead_one(make_pool, agreement_docx):
    # given a warm instance whose LibreOffice is killed
    pool = make_pool(pool_size=1)
    pool.convert(agreement_docx)
    first = pool.instances[0]._workdir
    os.kill(pool.instances[0].soffice_pid, signal.SIGKILL)

    # when the next conversion restarts it
    assert pool.convert(agreement_docx).startswith(b"%PDF-")

    # then the dead instance's folder is gone, the new one's is there (named with this process's pid)
    second = pool.instances[0]._workdir
    assert first is not None and not first.exists()
    assert second is not None and second.exists() and second.name.startswith(f"xuetu-lo-pid{os.getpid()}-")
