"""Load statutory holidays: from the chinesecalendar package (its years), or a CSV date,kind,name,name_zh for a
year the package does not cover yet (an admin can also add rows in the admin)."""

import csv
import datetime

from django.core.management.base import BaseCommand
from django.db import transaction

from backend.rules.calendar import package_rows
from backend.rules.models import Holiday, HolidayKind


class Command(BaseCommand):
    help = "Load statutory holidays and swapped working days (调休) into the Holiday table"

    def add_arguments(self, parser):
        parser.add_argument(
            "--csv", help="CSV with columns date,kind,name,name_zh (kind: holiday or workday)"
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if options["csv"]:
            with open(options["csv"], encoding="utf-8-sig") as f:
                rows = [
                    (
                        datetime.date.fromisoformat(r["date"]),
                        r["kind"],
                        r["name"],
                        r.get("name_zh", ""),
                        "admin",
                    )
                    for r in csv.DictReader(f)
                ]
        else:
            rows = [(r.date, r.kind, r.name, r.name_zh, "chinesecalendar") for r in package_rows()]
        done = 0
        for day, kind, name, name_zh, source in rows:
            if kind not in HolidayKind.values:
                raise ValueError(f"{day}: kind must be holiday or workday, not {kind!r}")
            Holiday.objects.update_or_create(
                date=day, defaults={"kind": kind, "name": name, "name_zh": name_zh, "source": source}
            )
            done += 1
        self.stdout.write(f"{done} calendar rows loaded")
