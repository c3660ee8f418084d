"""Build the shipped yearly report template (yearly_report.docx, 年检自检报告) from the wording below.

The wording lives here, as source, so that a change is a reviewable diff; the .docx is committed too. Run from the
repository root:

    /work/main/.venv/bin/python templates/reports/build_template.py

Placeholders are docxtpl/Jinja; the names are those of backend/reports/documents.py `report_context`. Each
placeholder is written inside one run, so Word's run splitting never breaks a tag.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

SONG = "Noto Serif CJK SC"  # 宋体 face (SimSun is not installed; LibreOffice would substitute a sans face)
HEI = "Noto Sans CJK SC"
HERE = Path(__file__).resolve().parent


def _font(run, face: str, size: float | None = None, bold: bool = False) -> None:
    run.font.name = face
    run.font.bold = bold
    if size:
        run.font.size = Pt(size)
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), face)


def _para(doc, text: str, *, face: str = SONG, size: float | None = None, bold: bool = False, align=None):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    _font(p.add_run(text), face, size, bold)
    return p


def _cell(cell, text: str, *, bold: bool = False) -> None:
    cell.text = ""
    _font(cell.paragraphs[0].add_run(text), HEI if bold else SONG, 10.5, bold)


def _table(doc, headers: list[str], loop: str, row: list[str], end: str) -> None:
    """A table whose middle rows repeat: header, `{%tr for %}`, the row, `{%tr endfor %}`, then a totals row
    if `end` names one."""
    rows = 4 + (1 if end else 0)
    table = doc.add_table(rows=rows, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, text, bold=True)
    _cell(table.rows[1].cells[0], "{%tr for r in " + loop + " %}")
    for cell, text in zip(table.rows[2].cells, row, strict=True):
        _cell(cell, text)
    _cell(table.rows[3].cells[0], "{%tr endfor %}")
    if end:
        for cell, text in zip(table.rows[4].cells, end.split("|"), strict=True):
            _cell(cell, text, bold=True)


def _text_block(doc, name: str) -> None:
    _para(doc, "{%p for line in " + name + " %}")
    _para(doc, "{{ line }}").paragraph_format.first_line_indent = Pt(24)
    _para(doc, "{%p endfor %}")


def build() -> Document:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = SONG
    normal.font.size = Pt(12)
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), SONG)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.6)

    _para(doc, "{{ school }}", face=HEI, size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(
        doc,
        "现代学徒制试点工作{{ year }}年度年检自检报告",
        face=HEI,
        size=18,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    _para(
        doc,
        "试点项目：{{ pilot }}　　试点专业：{{ program }}　　统计截至：{{ as_of }}",
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )

    _para(doc, "一、总体情况", face=HEI, bold=True)
    _text_block(doc, "situation")

    _para(doc, "二、目标任务完成情况", face=HEI, bold=True)
    _para(
        doc,
        "本年度招收学徒{{ recruited }}人，年度内在岗学徒{{ active }}人；合作企业{{ partner_companies }}家，"
        "其中接收学徒的企业{{ companies }}家、学徒岗位{{ posts }}个；完成在企培养阶段{{ stages_done }}个；"
        "签订学徒培养协议{{ agreements_signed }}份。",
    )

    _para(doc, "三、培养成效", face=HEI, bold=True)
    _para(
        doc,
        "本年度完成学徒考核：合格{{ assessments_passed }}人，不合格{{ assessments_failed }}人，"
        "评价中{{ assessments_open }}人；达到学徒培养标准{{ standard_reached }}人。",
    )

    _para(doc, "四、规范管理（违规情况及处理）", face=HEI, bold=True)
    _para(doc, "本年度发现违规及预警{{ violations_total }}起，已解决{{ violations_resolved }}起。")
    _table(
        doc,
        ["规则", "名称", "发现", "已解决", "已知悉", "待处理"],
        "violations",
        [
            "{{ r.code }}",
            "{{ r.label }}",
            "{{ r.total }}",
            "{{ r.resolved }}",
            "{{ r.acknowledged }}",
            "{{ r.open }}",
        ],
        "合计| |{{ violations_total }}|{{ violations_resolved }}| | ",
    )

    _para(doc, "五、经费到位及使用情况（单位：元）", face=HEI, bold=True)
    _table(
        doc,
        ["经费项目", "到位金额", "支出金额", "说明"],
        "funds",
        ["{{ r.heading }}", "{{ r.received }}", "{{ r.spent }}", "{{ r.note }}"],
        "合计|{{ funds_received }}|{{ funds_spent }}| ",
    )

    _para(doc, "六、存在问题", face=HEI, bold=True)
    _text_block(doc, "problems")
    _para(doc, "七、改进措施", face=HEI, bold=True)
    _text_block(doc, "measures")

    _para(
        doc, "填报单位（盖章）：{{ school }}　　填报日期：{{ generated_on }}", align=WD_ALIGN_PARAGRAPH.RIGHT
    )
    return doc


def main(out: Path = HERE / "yearly_report.docx") -> None:
    build().save(str(out))
    print(out)


if __name__ == "__main__":
    main()
