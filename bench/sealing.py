"""Time per seal: certificate page + merge + PAdES signature, with the platform key loaded once.

    /work/main/.venv/bin/python bench/sealing.py [--runs 50] [--pages 3]

Prints the one-off costs (key load, font load) and the median / p90 per seal. Target: < 0.3 s per seal.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contracts.sealing import create_dev_certificate, load_sealer, seal_agreement_pdf, verify_sealed_pdf  # noqa: E402
from contracts.sealing.certificate_page import _register_font, append_certificate_page  # noqa: E402
from contracts.sealing.signer import sign_pdf  # noqa: E402
from tests.contracts.sealing_support import agreement_pdf, signing_record  # noqa: E402


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--pages", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        cert = create_dev_certificate(tmp, passphrase="bench")
        started = time.perf_counter()
        sealer = load_sealer(cert.pkcs12_path, "bench")
        key_load = time.perf_counter() - started
        started = time.perf_counter()
        _register_font()
        font_load = time.perf_counter() - started

        unsigned = agreement_pdf(pages=args.pages)
        record = signing_record(unsigned)
        seal_agreement_pdf(unsigned, record, sealer)  # warm-up

        page_times, sign_times, total_times, verify_times = [], [], [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            merged = append_certificate_page(unsigned, record)
            t1 = time.perf_counter()
            signed = sign_pdf(merged, sealer)
            t2 = time.perf_counter()
            page_times.append(t1 - t0)
            sign_times.append(t2 - t1)
            total_times.append(t2 - t0)
            t3 = time.perf_counter()
            verify_sealed_pdf(signed, platform_certificates=[sealer.certificate], trust_roots=sealer.chain)
            verify_times.append(time.perf_counter() - t3)

    def line(name: str, values: list[float]) -> str:
        q = statistics.quantiles(values, n=10)
        return f"{name:<34} median {_ms(statistics.median(values)):>9}   p90 {_ms(q[-1]):>9}"

    print(f"sealing bench: {args.runs} runs, agreement of {args.pages} pages, RSA-2048, no timestamp server")
    print(f"{'key load (once per process)':<34} {_ms(key_load):>16}")
    print(f"{'CJK font load (once per process)':<34} {_ms(font_load):>16}")
    print(line("certificate page + merge", page_times))
    print(line("PAdES signature", sign_times))
    print(line("per seal (page + signature)", total_times))
    print(line("verification", verify_times))
    median = statistics.median(total_times)
    print(f"target < 300 ms per seal: {'met' if median < 0.3 else 'MISSED'} ({_ms(median)})")


if __name__ == "__main__":
    main()
