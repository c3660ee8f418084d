"""Long-lived LibreOffice converter, run by Debian's /usr/bin/python3 (the one that can `import uno`).

Started by contracts.convert, never imported by the project. It starts its own headless soffice.bin (in this
process group, so the parent kills both with one killpg), connects over a named pipe, then serves requests as
JSON lines on stdin/stdout:

    -> {"in": "/tmp/.../job.docx", "out": "/tmp/.../job.pdf"}
    <- {"ok": true} | {"ok": false, "error": "...", "crashed": true/false}

The first line it writes is {"ready": true, "soffice_pid": N} once LibreOffice answers. If the parent dies the
helper kills soffice and exits, so no LibreOffice is ever orphaned.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def alive(proc):
    """False if soffice has exited (allowing it a moment to finish dying), else True."""
    try:
        proc.wait(timeout=0.5)
    except subprocess.TimeoutExpired:
        return True
    return False


def reply(**data):
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def main():
    soffice, pipe_name, profile_url = sys.argv[1:4]
    connect_timeout = float(sys.argv[4])
    parent = os.getppid()
    command = [
        soffice,
        "--headless",
        "--invisible",
        "--nocrashreport",
        "--nodefault",
        "--nologo",
        "--nofirststartwizard",
        "--norestore",
        "--nolockcheck",
        f"-env:UserInstallation={profile_url}",
        f"--accept=pipe,name={pipe_name};urp;StarOffice.ComponentContext",
    ]
    devnull = subprocess.DEVNULL
    procs = [subprocess.Popen(command, stdin=devnull, stdout=devnull, stderr=devnull)]

    def die(*_):
        try:
            procs[-1].kill()
        finally:
            os._exit(1)

    signal.signal(signal.SIGTERM, die)

    def watch_parent():
        while True:
            if os.getppid() != parent:
                die()
            time.sleep(0.5)

    threading.Thread(target=watch_parent, daemon=True).start()

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + connect_timeout
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe_name};urp;StarOffice.ComponentContext")
            break
        except Exception:
            if procs[-1].poll() == 81:
                # soffice.bin exits with 81 after creating a fresh user profile: start it again
                procs.append(subprocess.Popen(command, stdin=devnull, stdout=devnull, stderr=devnull))
            elif time.monotonic() > deadline or procs[-1].poll() is not None:
                reply(ready=False, error=f"LibreOffice did not answer (exit code {procs[-1].poll()})")
                die()
            time.sleep(0.1)
    proc = procs[-1]
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    reply(ready=True, soffice_pid=proc.pid)

    load_props = (prop("Hidden", True), prop("ReadOnly", True), prop("UpdateDocMode", 0))
    store_props = (prop("FilterName", "writer_pdf_Export"), prop("Overwrite", True))
    for line in sys.stdin:
        job = json.loads(line)
        doc = None
        try:
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["in"]), "_blank", 0, load_props)
            if doc is None:
                raise ValueError("LibreOffice could not open the document")
            doc.storeToURL(uno.systemPathToFileUrl(job["out"]), store_props)
            reply(ok=True)
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the parent
            crashed = "DisposedException" in type(exc).__name__ or alive(proc) is False
            reply(ok=False, error=f"{type(exc).__name__}: {exc}", crashed=crashed)
            if crashed:
                die()
        finally:
            if doc is not None:
                with contextlib.suppress(Exception):
                    doc.close(True)
    proc.kill()  # stdin closed: the parent is shutting the converter down
    proc.wait()


if __name__ == "__main__":
    main()
