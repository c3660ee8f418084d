"""The claim sheet (学徒补助申领明细表) as XLSX and CSV, built from a scoped claim queryset.

Every cell goes through `spreadsheet_safe` (no name becomes a formula); amounts stay Decimal and dates stay dates, so
the XLSX holds numeric and date cells and the CSV their plain text (ISO dates, two-decimal amounts)."""

import csv
import datetime
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from backend.core.ids import mask_resident_id
from backend.core.text import spreadsheet_row, spreadsheet_safe

from .models import Claim, ClaimEvent
from .services import STANDARD_EVENT

# The training standard's evidence kept on the claim (backend.training: selectors.enrolment_standard), in words.
PARTIES = {
    "self": "学徒自评",
    "teacher": "学校指导教师",
    "mentor": "企业师傅",
    "company": "企业",
    "third_party": "第三方",
}
GRADES = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}

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
    "能力签认(师傅/教师, 日期)",
    "多方评价",
    "各岗位学时(完成/应完成)",
]
MONEY_COLUMNS = (10, 11, 12)  # 1-based
DATE_COLUMNS = (16, 18)


def _day(moment: str | None) -> str:
    if not moment:
        return ""
    return timezone.localtime(datetime.datetime.fromisoformat(moment)).date().isoformat()


def evidence_cells(evidence: dict[str, Any] | None) -> list[str]:
    """The competencies (who signed, when), the evaluations and the hours per post behind a claim the training
    standard earned; three empty cells for a claim an assessment earned."""
    if not evidence:
        return ["", "", ""]
    competencies = "；".join(
        f"{c['code']} {c['name']}(师傅 {c['mentor']} {_day(c['mentor_at'])}, 教师 {c['teacher']} "
        f"{_day(c['teacher_at'])})"
        for c in evidence.get("competencies", [])
    )
    evaluations = "；".join(
        f"{PARTIES.get(e['party'], e['party'])} "
        f"{GRADES.get(e['grade'], e['grade']) if e.get('grade') else e.get('points')}"
        + (f" 证书{e['certificate_number']}" if e.get("certificate_number") else "")
        for e in evidence.get("evaluations", [])
    )
    combined = evidence.get("combined") or {}
    if combined.get("grade"):
        evaluations += (
            f"；综合 {GRADES.get(combined['grade'], combined['grade'])} {combined.get('points') or ''}"
        )
    hours = "；".join(f"{h['post']} {h['done']}/{h['planned']}" for h in evidence.get("hours", []))
    return [competencies, evaluations.strip("；"), hours]


def standard_evidence(claim_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The training-standard evidence of each claim that has it, in one query."""
    events = ClaimEvent.objects.filter(claim_id__in=list(claim_ids), action=STANDARD_EVENT).order_by("id")
    out: dict[int, dict[str, Any]] = {}
    for event in events:
        out.setdefault(event.claim_id, event.details)
    return out


def claim_rows(claims: QuerySet[Claim]) -> Iterable[list[object]]:
    evidence = standard_evidence(claims.values_list("pk", flat=True))
    for number, c in enumerate(claims, start=1):
        batch, assessment = c.batch, c.assessment
        yield spreadsheet_row(
            [
                number,
                c.pilot.name,
                c.pilot.school.name,
                c.company.name,
                c.company.credit_code,
                c.student.name,
                mask_resident_id(c.student.resident_id),
                c.mentor.name,
                assessment.final_score if assessment else None,
                c.mentor_amount,
                c.company_amount,
                c.amount,
                c.budget_year,
                c.get_status_display(),
                "；".join(r["message"] for r in c.hold_reasons) if c.held else "",
                timezone.localtime(c.accrued_at).date(),
                batch.reference if batch else "",
                batch.paid_on if batch else None,
                *evidence_cells(evidence.get(c.pk)),
            ]
        )


def claims_xlsx(claims: QuerySet[Claim], title: str = "学徒补助申领明细表") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "申领明细表"
    ws.append([spreadsheet_safe(title)])
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
        for col in DATE_COLUMNS:
            ws.cell(row=ws.max_row, column=col).number_format = "yyyy-mm-dd"
    ws.append(["合计", f"{count} 人"] + [None] * 7 + totals)
    for col in MONEY_COLUMNS:
        ws.cell(row=ws.max_row, column=col).number_format = "#,##0.00"
        ws.cell(row=ws.max_row, column=col).font = Font(bold=True)
    for i, width in enumerate(
        [6, 28, 22, 28, 22, 10, 22, 12, 10, 16, 14, 12, 10, 10, 40, 12, 20, 12, 60, 40, 30], start=1
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


REPORT_COLUMNS = {
    "label": "维度",
    "granted_count": "计提人数",
    "granted": "已计提",
    "approved": "已审批",
    "paid": "已拨付",
    "reversed": "已冲销",
    "held": "暂缓",
    "waiting": "待审批",
    "budget": "预算",
    "budget_left": "预算余额",
}


def report_csv(rows: Iterable[dict[str, object]]) -> bytes:
    """The subsidy report (by pilot, school, company, mentor or year) as CSV with a BOM; labels cannot be formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS.values())
    for row in rows:
        writer.writerow(spreadsheet_row("" if row.get(c) is None else row.get(c) for c in REPORT_COLUMNS))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
