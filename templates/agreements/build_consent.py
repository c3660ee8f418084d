"""Build the shipped informed-consent form (知情同意书: consent_v1.docx) from the wording below, with the layout
helpers of build_templates.py (the same faces; the signature blocks carry the labels the sealing marks look for:
丙方（学生） … （签字）： … 签署时间：, 丁方（监护人） …). Run from the repository root:

    /work/main/.venv/bin/python templates/agreements/build_consent.py

A new wording is a new file (consent_v2.docx, ...) and a new CONSENT_TEMPLATE in backend/checklist/consent.py: a
form already generated keeps the template it was made from (its name and SHA-256 are stored with it).

Placeholders (docxtpl/Jinja, StrictUndefined: a missing fact is an error) are those of
backend.checklist.consent.consent_context: number, date, pilot_name, internship_type, school.name,
school.phone, school.supervising_teacher, company.name, company.credit_code, company.address, post.title,
post.location, post.hazards, mentor.name, student.name, student.id_masked, student.age, guardian.name,
guardian.relation, guardian.phone, start_date, end_date, daily_hours, weekly_hours, pay, insurance.liability and
insurance.work_injury.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Cm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_templates import HEI, SONG, _cell, _para, _set_font, _style_defaults  # noqa: E402

HERE = Path(__file__).resolve().parent
FILE_NAME = "consent_v1.docx"

FACTS: list[tuple[str, str]] = [
    ("学生姓名", "{{ student.name }}（身份证号 {{ student.id_masked }}，{{ student.age }}周岁）"),
    ("监护人", "{{ guardian.name }}（{{ guardian.relation }}，联系电话 {{ guardian.phone }}）"),
    ("学校", "{{ school.name }}（指导教师 {{ school.supervising_teacher }}，电话 {{ school.phone }}）"),
    ("实习单位", "{{ company.name }}（统一社会信用代码 {{ company.credit_code }}）"),
    ("单位地址", "{{ company.address }}"),
    ("岗位及地点", "{{ post.title }}，{{ post.location }}；企业师傅 {{ mentor.name }}"),
    ("实习类型", "{{ internship_type }}；试点项目 {{ pilot_name }}"),
    ("实习期间", "{{ start_date }}至{{ end_date }}"),
    (
        "工作时间",
        "每日不超过{{ daily_hours }}小时，每周不超过{{ weekly_hours }}小时；不安排夜班、加班和法定节假日上岗",
    ),
    ("实习报酬", "{{ pay }}（按月发放给学生本人）"),
    ("岗位风险", "{{ post.hazards }}"),
    (
        "保险",
        "实习责任保险：{{ insurance.liability }}；工伤保险：{{ insurance.work_injury }}（保费不由学生承担）",
    ),
]

CLAUSES: list[tuple[str, list[str]]] = [
    (
        "一、学校的承诺",
        [
            "（一）学校已对实习单位进行实地走访，确认其具备安全生产条件和相应的岗位，并已将其列入合作企业名单。",
            "（二）学校在学生上岗前组织岗前安全教育培训，安排学校指导教师全程跟踪指导，定期走访，"
            "并与企业师傅共同负责学生的学习、安全和权益保护。",
            "（三）学校不安排学生从事高空、井下、放射性、有毒、易燃易爆以及其他具有较高安全风险的实习，"
            "不安排学生到酒吧、夜总会、歌厅、洗浴中心等营业性娱乐场所实习；"
            "未满十八周岁的学生不从事国家规定的未成年工禁忌劳动。",
            "（四）学校和实习单位不向学生收取任何押金、保证金或其他费用，不扣押学生的居民身份证，"
            "实习报酬不低于同岗位员工工资的80%并按月足额发放给学生本人。",
            "（五）学校为学生投保实习责任保险，实习单位依法为学生缴纳工伤保险或投保相应的商业保险，保费不由学生承担。"
            "发生伤害事故的，学校立即通知监护人，并按规定在24小时内报告主管部门。",
        ],
    ),
    (
        "二、学生及监护人知悉并同意",
        [
            "（一）学生和监护人已阅读并理解上列实习安排（单位、岗位、地点、期间、工作时间、报酬、岗位风险和保险），"
            "以及《现代学徒制学徒培养协议》的主要内容。",
            "（二）学生应遵守学校和实习单位的规章制度及安全操作规程，服从学校指导教师和企业师傅的指导；"
            "遇到危险或权益受到侵害时，有权立即停止作业并向学校报告。",
            "（三）监护人有权随时向学校了解学生的实习情况，学校按月向监护人通报；"
            "学生请假、实习变更、暂停或终止以及发生伤害事故时，学校及时告知监护人。",
        ],
    ),
    (
        "三、拒绝的权利",
        [
            "参加本次实习以学生本人和监护人自愿为前提。学生或监护人有权拒绝签署本同意书，"
            "拒绝的，学校另行安排学习，不因此给予任何处分或不利对待；已同意的，也可以书面撤回，"
            "学校与实习单位按有关规定妥善处理。",
        ],
    ),
    (
        "四、其他",
        [
            "本同意书经学生本人和监护人签署、由平台封存后生效，电子文本与纸质文本具有同等效力。"
            "学生年满十八周岁的，监护人的签署表示其知悉并支持本次实习。",
        ],
    ),
]


def _facts_table(doc) -> None:
    table = doc.add_table(rows=len(FACTS), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Cm(3.0), Cm(12.8)]
    for row, (label, value) in zip(table.rows, FACTS, strict=True):
        _cell(row.cells[0], label, bold=True)
        _cell(row.cells[1], value)
        row.cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _signature_table(doc) -> None:
    """The two blocks the platform paints into when it seals (contracts.sealing.marks finds them by these
    labels): the drawn signature, name and capacity under （签字）：, the time after 签署时间：."""
    blocks = [
        ("丙方（学生）：{{ student.name }}", "本人（签字）："),
        ("丁方（监护人）：{{ guardian.name }}", "监护人（签字）："),
    ]
    table = doc.add_table(rows=1, cols=2)
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for i, (party, signer) in enumerate(blocks):
        cell = table.rows[0].cells[i]
        cell.text = ""
        for j, text in enumerate([party, signer, "", "签署时间："]):
            p = cell.paragraphs[0] if j == 0 else cell.add_paragraph()
            p.paragraph_format.space_after = Pt(40 if j == 2 else 6)
            _set_font(p.add_run(text), SONG, 11)


def build() -> Document:
    doc = Document()
    _style_defaults(doc)
    _para(
        doc, "学生实习知情同意书", face=HEI, size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )
    _para(doc, "编号：{{ number }}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, size=10.5)
    _para(
        doc,
        "根据《职业学校学生实习管理规定》，学校在安排学生实习前，将实习安排告知学生本人及其监护人，"
        "并取得学生本人和监护人的知情同意。本次实习安排如下（学校为甲方、实习单位为乙方、学生为丙方、"
        "监护人为丁方，与《现代学徒制学徒培养协议》一致）：",
    )
    _facts_table(doc)
    for heading, paragraphs in CLAUSES:
        _para(doc, heading, face=HEI, bold=True, indent=False).paragraph_format.keep_with_next = True
        for text in paragraphs:
            _para(doc, text)
    _para(doc, "签署", face=HEI, bold=True, indent=False).paragraph_format.keep_with_next = True
    _para(
        doc,
        "我们已阅读并理解本同意书的全部内容，知悉上列实习安排和可能存在的风险，自愿同意学生参加本次实习。",
    ).paragraph_format.keep_with_next = True
    _signature_table(doc)
    _para(doc, "制表日期：{{ date }}　学校：{{ school.name }}", indent=False, size=10.5)
    return doc


def main(out_dir: Path = HERE) -> None:
    path = out_dir / FILE_NAME
    build().save(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
