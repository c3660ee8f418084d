"""Subsidy figures: nightly sweep accrual rate, an idempotent re-run, approval, payment, reconciliation, export.

    XUETU_TEST_DB=bench_xuetu_subsidy /work/main/.venv/bin/python bench/subsidy.py [N]

Uses (and keeps) its own PostgreSQL database named by XUETU_TEST_DB; prints figures, asserts nothing about time."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.test")
os.environ.setdefault("XUETU_TEST_DB", "bench_xuetu_subsidy")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402


def timed(label: str, fn, per: int | None = None):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    rate = f"  ({per / seconds:,.0f}/s)" if per else ""
    print(f"{label:<48} {seconds:8.2f} s{rate}")
    return result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    from decimal import Decimal

    from backend.subsidy.exports import claims_xlsx
    from backend.subsidy.models import Claim
    from backend.subsidy.reconciliation import reconcile
    from backend.subsidy.services import batch_pay, claims_approve_in_order, pilot_budget_set, subsidy_sweep
    from tests.factories.accounts import BureauFactory
    from tests.factories.placements import PilotProjectFactory
    from tests.factories.subsidy import covered_placement, passed_assessment

    bureau = BureauFactory()
    pilot = PilotProjectFactory()
    from django.utils import timezone

    today = timezone.localdate()

    def make():  # type: ignore[no-untyped-def]
        for _ in range(n):
            passed_assessment(covered_placement(pilot=pilot))

    timed(f"create {n} passed, insured placements (factories)", make)
    counts = timed("nightly sweep: accrue all", lambda: subsidy_sweep(as_of=today), per=n)
    print("   ", counts)
    timed("nightly sweep again (nothing to do)", lambda: subsidy_sweep(as_of=today), per=n)
    pilot_budget_set(pilot=pilot, year=today.year, amount=Decimal(5000) * (n * 9 // 10), actor=bureau)
    result = timed(
        "approve in order (budget for 90%)",
        lambda: claims_approve_in_order(pilot=pilot, year=today.year, actor=bureau),
        per=n,
    )
    print(f"    approved {len(result['approved'])}, waiting {len(result['waiting'])}")
    approved = list(Claim.objects.filter(status="approved"))
    timed(
        "pay one batch of all approved",
        lambda: batch_pay(claims=approved, reference="BENCH-1", paid_on=today, actor=bureau),
        per=len(approved),
    )
    report = timed("reconcile", reconcile, per=n)
    print(f"    reconciles: {report['ok']}")
    data = timed(
        "XLSX claim sheet of all claims",
        lambda: claims_xlsx(
            Claim.objects.select_related(
                "pilot__school", "student", "company", "mentor", "assessment", "batch"
            )
        ),
        per=n,
    )
    print(f"    {len(data):,} bytes")


if __name__ == "__main__":
    main()
