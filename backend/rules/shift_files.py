"""The shift file (CSV or XLSX, one shift a row) read into rows and spans. No ORM, no clock.

Row 1 is the header: date, start, end (English) or 日期, 开始, 结束 (Chinese), in any order, any case, other
columns ignored. A row's end at or before its start ends the next day. Every unreadable row is reported with its
number, and the file is refused whole.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any

from backend.core.clock import RULES_ZONE
from backend.core.errors import ApplicationError

# The columns a shift file must hold, and the header names each may go by.
SHIFT_FILE_HEADERS = ("date", "start", "end")
HEADER_ALIASES: dict[str, str] = {
    "date": "date",
    "日期": "date",
    "start": "start",
    "开始": "start",
    "开始时间": "start",
    "end": "end",
    "结束": "end",
    "结束时间": "end",
}


@dataclass(frozen=True)
class ShiftRow:
    """One data row of the file: its row number (the header is row 1) and its three cells as read."""

    number: int
    date: Any
    start: Any
    end: Any


def _header_positions(header: list[Any]) -> dict[str, int] | None:
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = HEADER_ALIASES.get(str(cell or "").strip().lower())
        if key and key not in positions:
            positions[key] = i
    return positions if set(positions) == set(SHIFT_FILE_HEADERS) else None


def parse_shift_file(*, name: str, content: bytes) -> list[ShiftRow]:
    """The data rows of a CSV or XLSX whose header names date, start and end (in English or Chinese)."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ApplicationError(
                "SHIFT_FILE_ENCODING", "CSV 文件须为 UTF-8 编码", "the CSV file must be UTF-8"
            ) from exc
        rows = list(csv.reader(io.StringIO(text)))
    positions = _header_positions(rows[0]) if rows else None
    if positions is None:
        raise ApplicationError(
            "SHIFT_FILE_HEADER",
            "文件第 1 行须为表头 日期,开始,结束（或 date,start,end）",
            "row 1 of the file must be the header date,start,end (or 日期,开始,结束)",
        )
    width = max(positions.values()) + 1
    out = []
    for n, r in enumerate(rows[1:], start=2):
        if not any(c not in (None, "") for c in r):
            continue
        cells = (list(r) + [None] * width)[:width]
        out.append(ShiftRow(n, cells[positions["date"]], cells[positions["start"]], cells[positions["end"]]))
    return out


def cell_date(v: Any) -> datetime.date:
    if isinstance(v, datetime.datetime):
        return v.date()
    if isinstance(v, datetime.date):
        return v
    return datetime.date.fromisoformat(str(v).strip())


def cell_time(v: Any) -> datetime.time:
    if isinstance(v, datetime.time):
        return v
    if isinstance(v, datetime.datetime):
        return v.time()
    return datetime.time.fromisoformat(str(v).strip())


def row_problem(code: str, n: int, zh: str, en: str) -> dict[str, Any]:
    return {"code": code, "row": n, "message": f"第 {n} 行：{zh}", "message_en": f"row {n}: {en}"}


def rows_to_spans(
    rows: list[ShiftRow], *, latest_day: datetime.date | None = None
) -> tuple[list[tuple[datetime.datetime, datetime.datetime]], list[int], list[dict[str, Any]]]:
    """(spans, row numbers, problems): each readable row as an aware (start, end) in the rules' zone.

    ``latest_day``: the last day a row may fall on (actual hours: today; nobody reports hours not yet worked).
    """
    spans: list[tuple[datetime.datetime, datetime.datetime]] = []
    refs: list[int] = []
    problems: list[dict[str, Any]] = []
    for row in rows:
        n = row.number
        try:
            day = cell_date(row.date)
            start = datetime.datetime.combine(day, cell_time(row.start), tzinfo=RULES_ZONE)
            end = datetime.datetime.combine(day, cell_time(row.end), tzinfo=RULES_ZONE)
        except (TypeError, ValueError):
            problems.append(
                {
                    "code": "SHIFT_ROW_INVALID",
                    "row": n,
                    "message": f"第 {n} 行：日期或时间格式错误",
                    "message_en": f"row {n}: the date or a time cannot be read",
                }
            )
            continue
        if latest_day is not None and day > latest_day:
            problems.append(
                row_problem(
                    "SHIFT_ROW_FUTURE",
                    n,
                    f"日期 {day.isoformat()} 晚于今天 {latest_day.isoformat()}，不能上报尚未发生的出勤",
                    f"the date {day.isoformat()} is after today {latest_day.isoformat()}; "
                    "hours not yet worked cannot be reported",
                )
            )
            continue
        if end <= start:
            end += datetime.timedelta(days=1)
        spans.append((start, end))
        refs.append(n)
    return spans, refs, problems
