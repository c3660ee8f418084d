"""Roster import: 5,000 students with guardians from CSV and from XLSX, all rows checked, into PostgreSQL.

Target (issue 2): well under a minute for 5,000 rows. Prints rows/s for the preview and the import.
"""

import csv
import datetime
import io
import time

from _django import bench_database
from openpyxl import Workbook

ROWS = 5_000


def make_rows(n: int, offset: int = 0) -> list[list[str]]:
    from backend.core.ids import compose_resident_id

    start = datetime.date(2007, 1, 1)
    return [
        [
            f"学生{i}",
            compose_resident_id("110105", start + datetime.timedelta(days=i // 500), i % 500 + 1),
            "数控技术应用",
            "2024",
            f"S{i:06d}",
            f"家长{i}",
            f"139{i:08d}",
            "母亲",
        ]
        for i in range(offset, offset + n)
    ]


HEADING = ["姓名", "身份证号", "专业", "入学年份", "学号", "监护人姓名", "监护人电话", "关系"]


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADING)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADING)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    with bench_database():
        from backend.schools.models import Program, School, Student
        from backend.schools.roster import roster_import, roster_preview

        school = School.objects.create(name="基准测试学校")
        Program.objects.create(school=school, name="数控技术应用")
        for label, content in (
            ("CSV", as_csv(make_rows(ROWS))),
            ("XLSX", as_xlsx(make_rows(ROWS, offset=ROWS))),
        ):
            name = f"roster.{label.lower()}"
            t0 = time.perf_counter()
            preview = roster_preview(school=school, file_name=name, content=content)
            t1 = time.perf_counter()
            result = roster_import(actor=None, school=school, file_name=name, content=content)
            t2 = time.perf_counter()
            again = roster_import(actor=None, school=school, file_name=name, content=content)
            t3 = time.perf_counter()
            assert preview.ok and result.created == ROWS and again.unchanged == ROWS
            print(
                f"{label}: {ROWS} rows  preview {t1 - t0:.2f} s ({ROWS / (t1 - t0):,.0f} rows/s)  "
                f"import {t2 - t1:.2f} s ({ROWS / (t2 - t1):,.0f} rows/s)  re-import (no change) {t3 - t2:.2f} s"
            )
        print(f"students in database: {Student.objects.count()}  (target: 5,000 rows well under 60 s)")


if __name__ == "__main__":
    main()
