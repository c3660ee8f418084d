"""The insurer's policy list (保单清单) as rows for backend.placements.services.insurance_policies_import.

CSV (UTF-8 or GBK) or XLSX, with Chinese or English headings; dates as 2026-09-01, 2026/9/1 or date cells. Reading
writes nothing; a heading that is missing or a cell that is not a date is a row error, like the service's own."""

import csv
import datetime
import io
import re
from typing import Any

from openpyxl import Workbook, load_workbook

from backend.core.errors import ApplicationError
from backend.placements.models import InsuranceKind

COLUMNS: dict[str, tuple[str, ...]] = {
    "student_number": ("学号", "student_number"),
    "resident_id": ("身份证号", "身份证号码", "resident_id"),
    "student_name": ("姓名", "学生姓名", "name"),
    "kind": ("险种", "kind"),
    "insurer": ("保险公司", "insurer"),
    "policy_number": ("保单号", "policy_number"),
    "start_date": ("保险起期", "起保日期", "start_date"),
    "end_date": ("保险止期", "终保日期", "end_date"),
}
REQUIRED = ("kind", "insurer", "policy_number", "start_date", "end_date")
KINDS = {
    "实习责任保险": InsuranceKind.LIABILITY,
    "责任保险": InsuranceKind.LIABILITY,
    "liability": InsuranceKind.LIABILITY,
    "工伤保险": InsuranceKind.WORK_INJURY,
    "work_injury": InsuranceKind.WORK_INJURY,
    "work-injury": InsuranceKind.WORK_INJURY,
}
DATE = re.compile(
    r"(\d{4})(?:[-/.年]?)(\d{1,2})(?:[-/.月]?)(\d{1,2})日?"
)  # 2026-09-01, 2026/9/1, 20260901, 2026年9月1日
MAX_BYTES = 5 * 1024 * 1024
TEMPLATE_ROWS = [
    [
        "20240101",
        "",
        "张三",
        "实习责任保险",
        "中国人民财产保险股份有限公司",
        "PICC2026000001",
        "2026-09-01",
        "2027-01-31",
    ],
    [
        "20240101",
        "",
        "张三",
        "工伤保险",
        "中国人民财产保险股份有限公司",
        "GS2026000001",
        "2026-09-01",
        "2027-01-31",
    ],
]


def _error(zh: str, en: str) -> ApplicationError:
    return ApplicationError("POLICY_FILE", zh, en, status=422)


def _cells(file_name: str, content: bytes) -> list[list[Any]]:
    if file_name.lower().endswith(".xlsx") or content[:2] == b"PK":
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:
            raise _error("无法读取 XLSX 文件", "the XLSX file cannot be read") from exc
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise _error(
                "文件编码无法识别，请保存为 UTF-8 或 GBK 的 CSV", "unknown encoding: save as UTF-8 or GBK CSV"
            )
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    return [r for r in rows if any(c not in (None, "") and str(c).strip() for c in r)]


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    found = DATE.fullmatch(str(value or "").strip())
    if not found:
        return None
    try:
        return datetime.date(*(int(g) for g in found.groups()))
    except ValueError:
        return None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def policy_rows(*, file_name: str, content: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows for the service, row errors found while reading). Row numbers are the spreadsheet's (heading = 1)."""
    if len(content) > MAX_BYTES:
        raise _error("文件不能超过 5 MB", "the file must not exceed 5 MB")
    cells = _cells(file_name, content)
    if not cells:
        raise _error("文件为空", "the file is empty")
    by_alias = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}
    heading = {by_alias[_text(h).lower()]: i for i, h in enumerate(cells[0]) if _text(h).lower() in by_alias}
    errors = [
        {
            "row": 1,
            "code": "COLUMN_MISSING",
            "message": f"缺少列“{COLUMNS[k][0]}”",
            "message_en": f"missing column {k}",
        }
        for k in REQUIRED
        if k not in heading
    ]
    if "student_number" not in heading and "resident_id" not in heading:
        errors.append(
            {
                "row": 1,
                "code": "COLUMN_MISSING",
                "message": "缺少列“学号”或“身份证号”",
                "message_en": "missing column student_number or resident_id",
            }
        )
    if errors:
        return [], errors
    rows = []
    for number, values in enumerate(cells[1:], start=2):
        cell = {k: (values[i] if i < len(values) else None) for k, i in heading.items()}
        row: dict[str, Any] = {"row": number, **{k: _text(v) for k, v in cell.items()}}
        row["kind"] = KINDS.get(row["kind"].lower(), KINDS.get(row["kind"], row["kind"]))
        for key in ("start_date", "end_date"):
            row[key] = _date(cell[key])
            if row[key] is None:
                errors.append(
                    {
                        "row": number,
                        "code": "DATE_INVALID",
                        "message": f"“{COLUMNS[key][0]}”不是日期：{_text(cell[key])}",
                        "message_en": f"{key} is not a date: {_text(cell[key])}",
                    }
                )
        rows.append(row)
    return rows, errors


def template_xlsx() -> bytes:
    """The template to download: the headings, two example rows, dates as date cells."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "保单清单"
    sheet.append([aliases[0] for aliases in COLUMNS.values()])
    for values in TEMPLATE_ROWS:
        sheet.append([*values[:6], *(datetime.date.fromisoformat(v) for v in values[6:])])
    for row in sheet.iter_rows(min_row=2, min_col=7, max_col=8):
        for c in row:
            c.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([aliases[0] for aliases in COLUMNS.values()])
    writer.writerows(TEMPLATE_ROWS)
    return out.getvalue().encode("utf-8-sig")
