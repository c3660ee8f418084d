"""A placement's attested attendance as a PDF (考勤记录), sealed with the platform's certificate like an agreement.

Django-free: the backend gives plain values (``AttendanceSheet``); this renders them with reportlab in the CJK font
of the certificate page and signs the whole file with pyHanko (``contracts.sealing.sign_pdf``), so /verify checks it
as it checks an agreement.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contracts.sealing import SealedPdf, Sealer, sign_pdf
from contracts.sealing.certificate_page import register_font


@dataclass(frozen=True)
class SheetPeriod:
    day: str  # 2026-10-12
    clocked: str  # 08:00-17:00 (the clock punches, local), "补卡" marks a make-up punch
    attested: str  # 08:00-17:00 as the mentor attested it
    hours: str  # 9.0
    attested_by: str
    note: str = ""  # the correction's reason, the apprentice's dispute


@dataclass(frozen=True)
class SheetLeave:
    kind: str  # 事假 / 病假
    dates: str
    hours: str
    approved_by: str


@dataclass(frozen=True)
class AttendanceSheet:
    reference: str  # ATT-<placement>
    student: str
    school: str
    company: str
    post: str
    span: str  # the placement's dates
    generated_at: str  # local time
    chain_head: str  # the hash of the last link of the placement's chain of attested days
    chain_length: int
    verify_url: str
    periods: list[SheetPeriod] = field(default_factory=list)
    leave: list[SheetLeave] = field(default_factory=list)
    total_hours: str = "0.0"


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=8.5, leading=12, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=15, leading=21),
        "h2": ParagraphStyle("h2", parent=base, fontSize=11, leading=16, spaceBefore=6),
        "small": ParagraphStyle("small", parent=base, fontSize=7, leading=9),
    }


def _table(rows: list[list[str]], widths: list[float], st: ParagraphStyle, font: str) -> Table:
    table = Table([[Paragraph(c, st) for c in row] for row in rows], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_attendance_pdf(sheet: AttendanceSheet) -> bytes:
    font = register_font()
    st = _styles(font)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"考勤记录 {sheet.reference}",
        author="xuetu",
    )
    e = _esc
    story: list = [
        Paragraph("学徒考勤记录 <font size=10>Attendance record</font>", st["title"]),
        Paragraph(
            f"编号 Reference: {e(sheet.reference)}　学徒 Apprentice: {e(sheet.student)}<br/>"
            f"学校 School: {e(sheet.school)}　企业 Company: {e(sheet.company)}　岗位 Post: {e(sheet.post)}<br/>"
            f"岗位期限 Placement: {e(sheet.span)}　生成时间 Generated: {e(sheet.generated_at)}",
            st["base"],
        ),
        Paragraph("师傅确认的出勤 <font size=8>Attested days</font>", st["h2"]),
    ]
    rows = [["日期 Day", "打卡 Clocked", "确认 Attested", "小时 Hours", "确认人 Attested by", "说明 Note"]]
    rows += [
        [e(p.day), e(p.clocked), e(p.attested), e(p.hours), e(p.attested_by), e(p.note)]
        for p in sheet.periods
    ]
    if not sheet.periods:
        rows.append(["—", "", "", "", "", ""])
    story.append(_table(rows, [22 * mm, 34 * mm, 26 * mm, 14 * mm, 26 * mm, 60 * mm], st["base"], font))
    story.append(Paragraph(f"合计 Total: {e(sheet.total_hours)} 小时 h", st["base"]))
    story.append(Paragraph("已批准的请假 <font size=8>Approved leave</font>", st["h2"]))
    leave_rows = [["类型 Kind", "日期 Dates", "小时 Hours", "批准人 Approved by"]]
    leave_rows += [[e(x.kind), e(x.dates), e(x.hours), e(x.approved_by)] for x in sheet.leave]
    if not sheet.leave:
        leave_rows.append(["—", "", "", ""])
    story.append(_table(leave_rows, [24 * mm, 50 * mm, 20 * mm, 88 * mm], st["base"], font))
    story += [
        Spacer(1, 4 * mm),
        Paragraph(
            "“补卡”为经师傅批准的补打卡，非现场考勤码证明。每个确认日按哈希链接前一日，改写任何一日都会使链条断开。<br/>"
            "“补卡” marks a make-up approved by the mentor, not proven by the site's code. Each attested day is "
            "chained to the previous one by its hash: rewriting a past day breaks the chain.",
            st["small"],
        ),
        Paragraph(
            f"考勤链 Chain: {sheet.chain_length} 条 links, 末端哈希 head SHA-256 {e(sheet.chain_head)}",
            st["small"],
        ),
        Paragraph(
            f"本文件由平台证书签章封存，可在 {e(sheet.verify_url)} 验证。"
            f"Sealed with the platform's certificate; verify it at {e(sheet.verify_url)}.",
            st["small"],
        ),
    ]
    doc.build(story)
    return out.getvalue()


def seal_attendance_pdf(sheet: AttendanceSheet, sealer: Sealer) -> SealedPdf:
    """Render the sheet and sign the whole file with the platform's certificate (no later change permitted)."""
    signed = sign_pdf(render_attendance_pdf(sheet), sealer, reason="xuetu attendance record seal")
    return SealedPdf(pdf=signed, sha256=hashlib.sha256(signed).hexdigest())
