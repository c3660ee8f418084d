"""Time per seal: certificate page + merge + PAdES signature, with the platform key loaded once.

    /work/main/.venv/bin/python bench/sealing.py [--runs 50] [--pages 3]

Prints the one-off costs (key load, font load) and the median / p90 per seal. Target: < 0.3 s per seal.
bench/agreements.py calls `measure_seal` on a real LibreOffice agreement at the end of its part 1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.pdfbase import pdfmetrics  # noqa: E402

from contracts.sealing import (  # noqa: E402
    create_dev_certificate,
    load_sealer,
    seal_agreement_pdf,
    verify_sealed_pdf,
)
from contracts.sealing.certificate_page import (  # noqa: E402
    FONT_NAME,
    add_certificate_pages,
    open_agreement,
    register_font,
    render_certificate_page,
)
from contracts.sealing.signer import sign_pdf  # noqa: E402
from tests.contracts.sealing_support import agreement_pdf, signing_record  # noqa: E402


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _line(name: str, values: list[float]) -> str:
    q = statistics.quantiles(values, n=10) if len(values) > 1 else values * 9
    return f"  {name:<34} median {_ms(statistics.median(values)):>9}   p90 {_ms(q[-1]):>9}"


def measure_seal(unsigned: bytes, *, runs: int = 20, label: str = "") -> float:
    """Seal `unsigned` `runs` times with a throw-away RSA-2048 certificate; print the figures; return the median."""
    with tempfile.TemporaryDirectory() as tmp:
        cert = create_dev_certificate(tmp, passphrase="bench")
        started = time.perf_counter()
        sealer = load_sealer(cert.pkcs12_path, "bench")
        key_load = time.perf_counter() - started
        already = FONT_NAME in pdfmetrics.getRegisteredFontNames()
        started = time.perf_counter()
        register_font()
        font_load = time.perf_counter() - started

        record = signing_record(unsigned)
        seal_agreement_pdf(unsigned, record, sealer)  # warm-up

        page_times, sign_times, total_times, verify_times = [], [], [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            writer = open_agreement(unsigned)
            add_certificate_pages(writer, render_certificate_page(record))
            t1 = time.perf_counter()
            signed = sign_pdf(writer, sealer)
            t2 = time.perf_counter()
            page_times.append(t1 - t0)
            sign_times.append(t2 - t1)
            total_times.append(t2 - t0)
            t3 = time.perf_counter()
            verify_sealed_pdf(signed, platform_certificates=[sealer.certificate], trust_roots=sealer.chain)
            verify_times.append(time.perf_counter() - t3)

    median = statistics.median(total_times)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"sealing{label}: {runs} runs, {len(unsigned) // 1024} KiB agreement, RSA-2048, no timestamp server "
        f"(load average {load} on {os.cpu_count()} cores)"
    )
    print(f"  {'key load (once per process)':<34} {_ms(key_load):>16}")
    font_note = "already loaded" if already else _ms(font_load)
    print(f"  {'CJK font load (once per process)':<34} {font_note:>16}")
    print(_line("certificate page (incremental update)", page_times))
    print(_line("PAdES signature", sign_times))
    print(_line("per seal (page + signature)", total_times))
    print(_line("verification", verify_times))
    print(f"  target < 300 ms per seal: {'met' if median < 0.3 else 'MISSED'} ({_ms(median)})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--pdf", type=Path, help="seal this agreement PDF instead of a reportlab stand-in")
    args = parser.parse_args()
    if args.pdf:
        measure_seal(args.pdf.read_bytes(), runs=args.runs, label=f" ({args.pdf.name})")
    else:
        measure_seal(agreement_pdf(pages=args.pages), runs=args.runs, label=f" ({args.pages}-page stand-in)")


if __name__ == "__main__":
    main()
