"""The claim sheet (学徒补助申领明细表) as XLSX and CSV, built from a scoped claim queryset."""

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from backend.core.ids import mask_resident_id

from .models import Claim

HEADERS = [
    "序号",
    "试点项目",
    "学校",
    "企业",
    "统一社会信用代码",
    "学徒姓名",
    "身份证号",
    "带徒师傅",
    "考核总分",
    "带徒师傅奖励(元)",
    "水电耗材(元)",
    "合计(元)",
    "预算年度",
    "状态",
    "暂缓原因",
    "计提日期",
    "支付凭证号",
    "拨付日期",
]
MONEY_COLUMNS = (10, 11, 12)  # 1-based


def claim_rows(claims: QuerySet[Claim]) -> Iterable[list[object]]:
    for number, c in enumerate(claims, start=1):
        yield [
            number,
            c.pilot.name,
            c.pilot.school.name,
            c.company.name,
            c.company.credit_code,
            c.student.name,
            mask_resident_id(c.student.resident_id),
            c.mentor.name,
            c.assessment.final_score if c.assessment_id else None,
            c.mentor_amount,
            c.company_amount,
            c.amount,
            c.budget_year,
            c.get_status_display(),
            "；".join(r["message"] for r in c.hold_reasons) if c.held else "",
            timezone.localtime(c.accrued_at).date().isoformat(),
            c.batch.reference if c.batch_id else "",
            c.batch.paid_on.isoformat() if c.batch_id else "",
        ]


def claims_xlsx(claims: QuerySet[Claim], title: str = "学徒补助申领明细表") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "申领明细表"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    totals = [Decimal("0.00")] * 3
    count = 0
    for row in claim_rows(claims):
        ws.append(row)
        count += 1
        for i, col in enumerate(MONEY_COLUMNS):
            totals[i] += row[col - 1]  # type: ignore[operator]
            ws.cell(row=ws.max_row, column=col).number_format = "#,##0.00"
    ws.append(["合计", f"{count} 人"] + [None] * 7 + totals)
    for col in MONEY_COLUMNS:
        ws.cell(row=ws.max_row, column=col).number_format = "#,##0.00"
        ws.cell(row=ws.max_row, column=col).font = Font(bold=True)
    for i, width in enumerate(
        [6, 28, 22, 28, 22, 10, 22, 12, 10, 16, 14, 12, 10, 10, 40, 12, 20, 12], start=1
    ):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def claims_csv(claims: QuerySet[Claim]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in claim_rows(claims):
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
