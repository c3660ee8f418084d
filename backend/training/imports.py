"""The third party's results (技能达标考核), imported from the assessing body's XLSX or CSV: one row per apprentice
with the resident ID, the certificate or test number, the test date and the result (优秀/良好/合格/不合格 or points).

All or nothing: every row is checked first and the file is refused whole, with each row's errors, if any row is
wrong. The XLSX is read streaming (openpyxl read_only) and bounded in bytes and rows; a cell that holds a formula, or
text that a spreadsheet would take for one, is refused, never evaluated or stored."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from openpyxl import load_workbook

from backend.core.errors import ApplicationError
from backend.core.text import FORMULA_PREFIXES
from backend.placements.models import PilotProject, Placement

from .models import Grade, Party, Scale

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 10
HEADINGS = {
    "身份证号": "resident_id",
    "证书编号": "certificate_number",
    "考核日期": "test_date",
    "结果": "result",
}
GRADE_LABELS = {str(g.label): g.value for g in Grade} | {g.value: g.value for g in Grade}


@dataclass
class ImportResult:
    created: int = 0
    row_errors: list[dict[str, Any]] = field(default_factory=list)


def _file_error(message: str, message_en: str, **details: Any) -> ApplicationError:
    return ApplicationError("THIRD_PARTY_FILE", message, message_en, details=details)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def read_rows(file_name: str, content: bytes) -> list[list[str]]:
    if len(content) > MAX_BYTES:
        raise _file_error("文件不能超过2MB", "the file is over 2 MB", max_bytes=MAX_BYTES)
    rows: list[list[str]] = []
    if file_name.lower().endswith(".xlsx") or content[:2] == b"PK":
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        except Exception as exc:
            raise _file_error("无法读取XLSX文件", "the XLSX file cannot be read") from exc
        try:
            for values in book.worksheets[0].iter_rows(
                values_only=True, max_col=MAX_COLUMNS, max_row=MAX_ROWS + 2
            ):
                rows.append([_text(v) for v in values])
        finally:
            book.close()
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("gb18030", errors="strict")
        rows = [[c.strip() for c in r[:MAX_COLUMNS]] for r in csv.reader(io.StringIO(text))]
    rows = [r for r in rows if any(r)]
    if len(rows) > MAX_ROWS + 1:
        raise _file_error(f"单个文件最多{MAX_ROWS}行", f"at most {MAX_ROWS} rows", max_rows=MAX_ROWS)
    if not rows:
        raise _file_error("文件为空", "the file is empty")
    return rows


def _result(text: str, scale: str) -> tuple[str, Decimal | None] | None:
    if scale == Scale.GRADES:
        grade = GRADE_LABELS.get(text)
        return (grade, None) if grade else None
    try:
        points = Decimal(text)
    except InvalidOperation:
        return None
    return ("", points) if Decimal("0") <= points <= Decimal("100") else None


@transaction.atomic
def third_party_import(*, pilot: PilotProject, actor: Any, file_name: str, content: bytes) -> ImportResult:
    """Record one third-party evaluation per row for the pilot's apprentices; nothing at all if any row is wrong."""
    from .services import evaluation_record

    rows = read_rows(file_name, content)
    heading = [HEADINGS.get(h, h) for h in rows[0]]
    missing = sorted(set(HEADINGS.values()) - set(heading))
    if missing:
        raise _file_error(
            "缺少列: " + "、".join(k for k, v in HEADINGS.items() if v in missing), "missing columns"
        )
    result = ImportResult()
    checked: list[tuple[Placement, str, Decimal | None, str, datetime.date]] = []
    seen: set[str] = set()
    for number, raw in enumerate(rows[1:], start=2):
        row = dict(zip(heading, raw + [""] * (len(heading) - len(raw)), strict=False))
        errors = []
        if any(row.get(k, "").startswith(FORMULA_PREFIXES) for k in HEADINGS.values()):
            errors.append("formula")
        placement = (
            Placement.objects.filter(
                pilot=pilot, student__resident_id=row["resident_id"], training__isnull=False
            )
            .select_related("training__plan__scheme")
            .order_by("-start_date")
            .first()
        )
        if placement is None:
            errors.append("apprentice")
        elif placement.training.evaluations.filter(party=Party.THIRD_PARTY, status="recorded").exists():
            errors.append("exists")
        if row["resident_id"] in seen:
            errors.append("duplicate")
        seen.add(row["resident_id"])
        if not row["certificate_number"] or len(row["certificate_number"]) > 60:
            errors.append("certificate_number")
        try:
            test_date = datetime.date.fromisoformat(row["test_date"][:10])
        except ValueError:
            errors.append("test_date")
        parsed = _result(row["result"], placement.training.plan.scheme.scale) if placement else None
        if placement is not None and parsed is None:
            errors.append("result")
        if errors:
            result.row_errors.append({"row": number, "errors": errors})
            continue
        assert placement is not None and parsed is not None
        checked.append((placement, parsed[0], parsed[1], row["certificate_number"], test_date))
    if result.row_errors:
        raise ApplicationError(
            "THIRD_PARTY_ROWS",
            f"{len(result.row_errors)}行有误, 整个文件未导入",
            f"{len(result.row_errors)} rows are wrong; nothing was imported",
            details={"rows": result.row_errors},
        )
    for placement, grade, points, certificate, test_date in checked:
        evaluation_record(
            placement=placement,
            party=Party.THIRD_PARTY,
            actor=actor,
            evaluator_name="第三方评价机构",
            grade=grade,
            points=points,
            certificate_number=certificate,
            test_date=test_date,
        )
        result.created += 1
    return result
