"""The roster template a coordinator downloads from the import page: the headings backend.schools.roster reads,
required ones first, and one example row to overwrite (the entry year a number cell in the XLSX). 班级 is
optional: a file without the column imports as before."""

import csv
import datetime
import io

from openpyxl import Workbook

from backend.core.ids import compose_resident_id
from backend.schools.roster import COLUMNS

ORDER = (
    "name",
    "resident_id",
    "program",
    "entry_year",
    "guardian_name",
    "guardian_phone",
    "guardian_relation",
    "student_number",
    "class_name",
    "phone",
    "guardian_resident_id",
)


def headings() -> list[str]:
    return [COLUMNS[key][0] for key in ORDER]


def example_row(program: str) -> list[str | int]:
    return [
        "张三",
        compose_resident_id("110105", datetime.date(2009, 5, 1), 11),
        program,
        2025,
        "张建国",
        "13800000000",
        "父亲",
        "20250001",
        "数控2501班",
        "13900000000",
        "",
    ]


def template_xlsx(program: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "花名册"
    sheet.append(headings())
    sheet.append(example_row(program))
    for column in ("B", "F", "H", "J", "K"):  # IDs and phone numbers stay text: no 1.1e17, no lost zeros
        sheet[f"{column}2"].number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(program: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings())
    writer.writerow(example_row(program))
    return out.getvalue().encode("utf-8-sig")
