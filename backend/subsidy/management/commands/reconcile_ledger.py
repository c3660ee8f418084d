import json

from django.core.management.base import BaseCommand, CommandError

from backend.subsidy.reconciliation import reconcile


class Command(BaseCommand):
    help = "对账: prove that the subsidy ledger balances and every paid yuan traces to a passed assessment."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--json", action="store_true", help="print the full report as JSON")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        report = reconcile()
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        else:
            for check in report["checks"]:
                mark = "OK  " if check["ok"] else "FAIL"
                figures = {
                    k: v for k, v in check.items() if k not in ("name", "ok", "problems", "problem_count")
                }
                self.stdout.write(f"{mark} {check['name']} {figures} problems={check['problem_count']}")
                for problem in check["problems"]:
                    self.stdout.write(f"     {problem}")
        if not report["ok"]:
            raise CommandError("the subsidy ledger does not reconcile")
        self.stdout.write(self.style.SUCCESS("ledger reconciles"))
