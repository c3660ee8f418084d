"""Build the shipped supplementary agreements (补充协议: supplement_three.docx, supplement_four.docx) from the wording
below, with the layout helpers of build_templates.py (the same faces, the same signature page, whose party blocks
the sealing marks find by their labels). Run from the repository root:

    /work/main/.venv/bin/python templates/agreements/build_supplements.py

Placeholders (docxtpl/Jinja, StrictUndefined) are those of backend.changes.services.supplement_context plus
`number` and `original_number` (added by backend.agreements.services.agreement_supplement_generate):
number, original_number, pilot_name, date, party_count_cn, copies_cn, school.name, company.name,
company.credit_code, student.name, student.phone, guardian.name/relation/phone (four-party only), reason and the
table loop changes[].item/before/after.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_templates import HEI, _cell, _para, _party_block, _signature_table, _style_defaults  # noqa: E402

HERE = Path(__file__).resolve().parent

CLAUSES: list[tuple[str, list[str]]] = [
    (
        "第一条　变更内容",
        [
            "经各方协商一致，对原协议（编号{{ original_number }}）约定的下列事项作如下变更：",
            "CHANGES_TABLE",
            "变更理由：{{ reason }}",
        ],
    ),
    (
        "第二条　效力",
        [
            "（一）本补充协议是原协议不可分割的组成部分，与原协议具有同等法律效力。",
            "（二）本补充协议未约定的事项，仍按原协议执行；本补充协议与原协议不一致的，以本补充协议为准。",
            "（三）变更后的岗位、企业师傅和期限同样适用原协议关于工作时间、劳动保护、报酬、保险和安全的约定；"
            "乙方保证变更后的安排符合《职业学校学生实习管理规定》及有关规定。",
            "（四）本补充协议自各方签署并经平台封存之日起生效。本补充协议一式{{ copies_cn }}份，"
            "各方各执一份，电子文本与纸质文本具有同等效力。",
        ],
    ),
]


def _changes_table(doc) -> None:
    headers = ["变更事项", "原约定", "变更后"]
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, text, bold=True)
    _cell(table.rows[1].cells[0], "{%tr for c in changes %}")
    for cell, text in zip(
        table.rows[2].cells, ["{{ c.item }}", "{{ c.before }}", "{{ c.after }}"], strict=True
    ):
        _cell(cell, text)
    _cell(table.rows[3].cells[0], "{%tr endfor %}")
    table.autofit = False
    widths = [Cm(w) for w in (3.5, 6.2, 6.2)]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def build(four: bool) -> Document:
    doc = Document()
    _style_defaults(doc)
    kind = "四方" if four else "三方"
    title = f"现代学徒制学徒培养协议补充协议（{kind}）"
    _para(doc, title, face=HEI, size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, "补充协议编号：{{ number }}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, size=10.5)
    _para(doc, "原协议编号：{{ original_number }}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, size=10.5)
    _para(doc, "试点项目：{{ pilot_name }}", indent=False)
    _party_block(doc, "甲方（学校）：{{ school.name }}", [])
    _party_block(doc, "乙方（企业）：{{ company.name }}", ["统一社会信用代码：{{ company.credit_code }}"])
    _party_block(doc, "丙方（学生、学徒）：{{ student.name }}", ["联系电话：{{ student.phone }}"])
    if four:
        _party_block(
            doc,
            "丁方（监护人）：{{ guardian.name }}",
            ["与丙方关系：{{ guardian.relation }}　联系电话：{{ guardian.phone }}"],
        )
    _para(
        doc,
        "各方于此前订立《现代学徒制学徒培养协议》（编号{{ original_number }}，以下简称“原协议”）。"
        "因学徒培养安排发生变化，{{ party_count_cn }}方本着平等自愿、协商一致的原则，订立本补充协议，共同遵守。",
    )
    for heading, paragraphs in CLAUSES:
        _para(doc, heading, face=HEI, bold=True, indent=False).paragraph_format.keep_with_next = True
        for text in paragraphs:
            if text == "CHANGES_TABLE":
                _changes_table(doc)
            else:
                _para(doc, text)
    _para(doc, "（以下无正文，为签署页）", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=10.5)
    doc.add_page_break()
    _para(doc, f"{title}签署页", face=HEI, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(
        doc,
        "补充协议编号：{{ number }}　订立日期：{{ date }}",
        indent=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        size=10.5,
    )
    _signature_table(doc, four)
    return doc


def main(out_dir: Path = HERE) -> None:
    for name, four in (("supplement_three.docx", False), ("supplement_four.docx", True)):
        path = out_dir / name
        build(four).save(path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
