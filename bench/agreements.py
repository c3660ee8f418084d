"""Agreement generation speed: docxtpl render, warm LibreOffice pool vs one soffice start per document.

    .venv/bin/python bench/agreements.py --docs 20                # part 1: the document pipeline
    .venv/bin/python bench/agreements.py --part 2 --batch 500     # part 2: a batch through the worker

Prints figures; asserts nothing. Part 1 runs both converters in the same run, on the same rendered documents.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contracts.context import AgreementKind  # noqa: E402
from contracts.convert import ConverterPool, convert_cold  # noqa: E402
from contracts.render import render_docx  # noqa: E402
from contracts.samples import sample_context  # noqa: E402


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:7.2f} docs/s  ({seconds / n * 1000:7.1f} ms/doc, {seconds:6.2f} s total)"


def part1(n: int) -> None:
    templates = {
        k: (ROOT / "templates" / "agreements" / f"{k.value}.docx").read_bytes() for k in AgreementKind
    }
    kinds = [AgreementKind.THREE_PARTY if i % 2 else AgreementKind.FOUR_PARTY for i in range(n)]
    contexts = [sample_context(k, number=f"BENCH-{i:05d}") for i, k in enumerate(kinds)]

    started = time.perf_counter()
    docs = [render_docx(templates[c.kind], c) for c in contexts]
    render_s = time.perf_counter() - started

    pool = ConverterPool()
    started = time.perf_counter()
    pool.warm_up()
    startup_s = time.perf_counter() - started
    pool.convert(docs[0])  # first conversion loads the Writer and PDF filters
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=pool.settings.pool_size) as executor:
        warm_pdfs = list(executor.map(pool.convert, docs))
    warm_s = time.perf_counter() - started
    pool.shutdown()

    with tempfile.TemporaryDirectory(prefix="xuetu-bench-") as tmp:
        profile = Path(tmp) / "profile"
        convert_cold(docs[0], profile=profile)  # create the profile once; it is reused below
        started = time.perf_counter()
        cold_pdfs = [convert_cold(d, profile=profile) for d in docs]
        cold_s = time.perf_counter() - started

    assert all(p.startswith(b"%PDF-") for p in warm_pdfs + cold_pdfs)
    print(f"agreements part 1: {n} documents, {os.cpu_count()} cores, warm pool of {pool.settings.pool_size}")
    print(f"  render (docxtpl)                    {_rate(n, render_s)}")
    print(f"  pool start-up (once per process)    {startup_s:6.2f} s")
    print(f"  convert, warm pool                  {_rate(n, warm_s)}")
    print(f"  convert, one soffice per document   {_rate(n, cold_s)}")
    print(f"  render + convert, warm pool         {_rate(n, render_s + warm_s)}")
    print(f"  render + convert, soffice per doc   {_rate(n, render_s + cold_s)}")
    print(f"  warm pool speed-up over soffice per document: {cold_s / warm_s:.1f}x")

    from bench.sealing import measure_seal  # time per seal (certificate page + signature) on a real agreement

    measure_seal(warm_pdfs[0], runs=20, label=" (LibreOffice agreement)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=["1", "2", "all"], default="1")
    parser.add_argument("--docs", type=int, default=20, help="documents per converter in part 1")
    parser.add_argument("--batch", type=int, default=500, help="agreements in the part 2 batch")
    parser.add_argument(
        "--cold-sample", type=int, default=20, help="part 2: documents for the soffice baseline"
    )
    args = parser.parse_args()
    if args.part in ("1", "all"):
        part1(args.docs)
    if args.part in ("2", "all"):
        from bench.agreements_batch import part2  # needs Django, PostgreSQL, Redis and a worker

        part2(args.batch, args.cold_sample)


if __name__ == "__main__":
    main()
