"""Build the shipped agreement templates (three_party.docx, four_party.docx) from the wording below.

The wording lives here, as source, so that a change of a clause is a reviewable diff; the .docx files are
committed too (they are what the backend stores as template version 1). Run from the repository root:

    /work/main/.venv/bin/python templates/agreements/build_templates.py

Placeholders are docxtpl/Jinja (`{{ student.name }}`); the names are those of
contracts.context.TEMPLATE_VARIABLES.
Each placeholder is written inside one run, so Word's run splitting never breaks a tag.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

SONG = "Noto Serif CJK SC"  # 宋体 face (SimSun is not installed; LibreOffice would substitute a sans face)
HEI = "Noto Sans CJK SC"  # 黑体 face for the title and clause headings
HERE = Path(__file__).resolve().parent

# ----------------------------------------------------------------------------------------------------
# Wording. 甲方 school, 乙方 company, 丙方 student (apprentice), 丁方 guardian (four-party only).
# A clause is (heading, [paragraphs]); a paragraph is a string, or a tuple ("four", text) kept only in the
# four-party agreement.
# ----------------------------------------------------------------------------------------------------

PREAMBLE = (
    "根据《中华人民共和国劳动法》《中华人民共和国职业教育法》《中华人民共和国未成年人保护法》"
    "《职业学校学生实习管理规定》《未成年工特殊保护规定》及现代学徒制试点工作的有关规定，"
    "为明确各方在现代学徒制人才培养中的权利和义务，保障学生（学徒）的合法权益，"
    "{{ party_count_cn }}方本着平等自愿、协商一致的原则，就丙方在乙方进行学徒培养事宜订立本协议，共同遵守。"
)

CLAUSES: list[tuple[str, list]] = [
    (
        "第一条　学徒培养的期限、地点、岗位和内容",
        [
            "（一）培养期限：自{{ period.start_date }}起至{{ period.end_date }}止，"
            "按本协议第二条约定的阶段实行工学交替。",
            "（二）培养地点：{{ period.place }}；岗位所在地：{{ post.location }}。",
            "（三）培养岗位：{{ post.title }}。",
            "（四）岗位学习内容：{{ post.content }}。",
            "（五）乙方指定企业师傅{{ mentor.name }}（{{ mentor.title }}，联系电话{{ mentor.phone }}）"
            "负责丙方的岗位技能传授和日常指导；甲方指定学校指导教师{{ school.supervising_teacher.name }}"
            "（联系电话{{ school.supervising_teacher.phone }}）负责丙方的教育管理和跟踪指导。"
            "企业师傅或学校指导教师如需更换，应及时书面通知其他各方。",
        ],
    ),
    (
        "第二条　培养阶段",
        [
            "丙方的学徒培养分阶段进行，各阶段在校学习与在企业岗位学习的安排如下表。"
            "各阶段在企业的起止日期以下表为准，调整须经甲乙双方协商一致并书面通知【丙丁】。",
            "STAGES_TABLE",
        ],
    ),
    (
        "第三条　学生与学徒的双重身份",
        [
            "培养期间，丙方具有学生和学徒双重身份：丙方是甲方的在籍学生，接受甲方的教育和管理，"
            "享有学生的各项权利；丙方同时是乙方的学徒，在企业师傅指导下进行岗位学习，"
            "遵守乙方依法制定的规章制度和安全操作规程。",
            "乙方不得将丙方视为普通劳动力使用，不得安排丙方从事与本协议约定的岗位和培养内容无关的工作。",
        ],
    ),
    (
        "第四条　工作时间和休息休假",
        [
            "（一）丙方在乙方岗位学习的时间每日不超过{{ working_time.daily_hours }}小时，"
            "每周不超过{{ working_time.weekly_hours }}小时。作息时间为：{{ working_time.schedule }}。",
            "（二）乙方不得安排丙方加班，不得安排丙方在本协议约定的作息时间以外工作。",
            "（三）乙方不得安排丙方上夜班，即不得安排丙方在当日22时至次日6时之间工作。",
            "（四）乙方不得在国家法定节假日安排丙方工作；丙方每周至少休息一日。",
        ],
    ),
    (
        "第五条　食宿和请假",
        [
            "（一）饮食：{{ living.board }}。",
            "（二）住宿：{{ living.lodging }}。乙方提供的住宿场所应当符合安全、卫生条件，"
            "并实行男女分区管理。",
            "（三）请假：{{ living.leave }}。丙方因病、因事请假，乙方和甲方应当依照规定准假，"
            "不得以扣减报酬作为处罚手段。",
        ],
    ),
    (
        "第六条　劳动保护和安全",
        [
            "（一）乙方应当为丙方提供符合国家规定的劳动安全卫生条件和必要的劳动防护用品，"
            "在丙方上岗前进行安全生产教育和岗位操作规程培训，未经培训不得上岗。",
            "（二）乙方不得安排丙方到高空、井下、放射性、高毒、易燃易爆以及其他具有较高安全风险的岗位，"
            "不得安排丙方到酒吧、夜总会、歌厅、洗浴中心等营业性娱乐场所。",
            "（三）丙方未满十八周岁期间，乙方不得安排其从事《未成年工特殊保护规定》所列禁忌从事的劳动，"
            "并应按规定对其进行健康检查。",
            "（四）丙方应当遵守安全操作规程，正确使用劳动防护用品，发现安全隐患及时报告企业师傅。",
        ],
    ),
    (
        "第七条　保险和事故处理",
        [
            "（一）丙方在培养期间享有学生实习责任保险，承保机构为{{ insurance.liability.insurer }}，"
            "保单号{{ insurance.liability.number }}，保险期间自{{ insurance.liability.start_date }}"
            "至{{ insurance.liability.end_date }}。",
            "（二）丙方在培养期间享有工伤保险（或相应的人身意外伤害保险），承保机构为"
            "{{ insurance.work_injury.insurer }}，保单（参保）号{{ insurance.work_injury.number }}，"
            "保险期间自{{ insurance.work_injury.start_date }}至{{ insurance.work_injury.end_date }}。",
            "（三）上述保险须覆盖丙方在乙方学徒培养的全部期间；保险费由{{ insurance.premium_payer }}承担，"
            "不得向丙方收取，也不得从丙方报酬中扣除。",
            "（四）丙方发生伤害事故的，乙方应当立即组织救治，并在事故发生后24小时内通知甲方和【家长】，"
            "依法向有关部门报告；甲方、乙方应当协助丙方及其家长依照保险合同和有关规定办理理赔，"
            "保险赔付不足部分，由责任方依法承担。",
        ],
    ),
    (
        "第八条　考核",
        [
            "（一）甲乙双方依据现代学徒制人才培养方案共同制定岗位学习考核标准，"
            "由企业师傅和学校指导教师共同对丙方进行考核，考核内容包括岗位技能、职业素养、出勤和安全。",
            "（二）每个培养阶段结束时进行阶段考核，培养期满进行综合考核；考核结果记入丙方学业成绩，"
            "作为丙方获得相应学分和认定是否达到学徒培养标准的依据，并书面告知【丙丁】。",
        ],
    ),
    (
        "第九条　学徒报酬",
        [
            "（一）乙方按月向丙方支付学徒报酬，每月人民币{{ pay.monthly_amount }}元。"
            "该岗位同类员工的月工资为人民币{{ pay.post_wage }}元，学徒报酬不低于其80%"
            "（即不低于人民币{{ pay.floor_amount }}元）。",
            "（二）乙方于每月{{ pay.pay_day }}日前，以{{ pay.method }}的方式"
            "将上月报酬足额直接支付给丙方本人，"
            "不得通过甲方、中介机构或任何第三方代发、代领，不得拖欠、截留或克扣。",
        ],
    ),
    (
        "第十条　不得收取费用",
        [
            "各方均不得向丙方收取押金、保证金、培训费、实习管理费、住宿押金或其他任何形式的费用，"
            "不得扣押丙方的居民身份证、学生证等证件，不得要求丙方提供担保。",
        ],
    ),
    (
        "第十一条　信息通报",
        [
            "（一）乙方{{ information_rhythm }}向甲方书面通报丙方的出勤、岗位学习、安全和报酬支付情况；"
            "甲方{{ information_rhythm }}向【家长】通报丙方的学习、生活和安全情况，各方保持联络畅通。",
            "（二）丙方发生违纪、伤害事故、岗位或师傅变更、擅自离岗等情况时，"
            "知情一方应当立即通知甲方、乙方和【家长】。",
        ],
    ),
    (
        "第十二条　各方的其他权利和义务",
        [
            "（一）甲方负责丙方的思想政治教育、学籍管理和在校课程教学，指派学校指导教师"
            "定期到乙方了解丙方的学习和生活情况，协调处理有关问题。",
            "（二）乙方负责提供本协议约定的岗位、企业师傅和培养条件，按培养方案组织岗位教学，"
            "保障丙方的人身安全和合法权益。",
            "（三）丙方应当遵守甲方的学籍管理规定和乙方的规章制度，服从企业师傅和学校指导教师的指导，"
            "按时完成学习任务，保守乙方的商业秘密。",
            (
                "four",
                "（四）丁方应当履行监护职责，关心丙方的学习和安全，配合甲方、乙方做好丙方的教育和管理。",
            ),
        ],
    ),
    (
        "第十三条　协议的变更和解除",
        [
            "（一）经各方协商一致，可以书面变更本协议；变更岗位、地点或期限的，应当订立书面补充协议。",
            "（二）有下列情形之一的，【解除方】"
            "可以解除本协议：乙方安排丙方加班、夜班或在法定节假日工作的；乙方未按约定支付报酬的；"
            "乙方违反劳动保护和安全规定危及丙方人身安全的；乙方向丙方收取费用或扣押证件的。",
            "（三）丙方严重违反乙方规章制度或甲方学籍管理规定，经教育不改的，乙方经与甲方协商后"
            "可以解除本协议，并将丙方交回甲方。",
            "（四）丙方因休学、退学、转学或身体原因不能继续学徒培养的，本协议自动终止；"
            "本协议解除或终止时，乙方应当结清丙方的报酬。",
        ],
    ),
    (
        "第十四条　违约责任",
        [
            "任何一方违反本协议约定，给其他方造成损失的，应当依法承担赔偿责任。乙方违反本协议第四条、"
            "第六条、第九条、第十条约定的，甲方有权终止与乙方的学徒培养合作，并报告教育、人力资源社会保障等"
            "有关部门依法处理。",
        ],
    ),
    (
        "第十五条　争议解决",
        [
            "因履行本协议发生争议的，各方应当友好协商解决；协商不成的，可以提请甲方主管教育行政部门调解，"
            "也可以依法向乙方所在地有管辖权的人民法院提起诉讼。",
        ],
    ),
]

GUARDIAN_CONSENT = (
    "第十六条　监护人知情同意",
    [
        "丁方作为丙方的法定监护人，已经详细阅读并理解本协议的全部条款，知悉丙方参加现代学徒制培养的岗位、"
        "地点、期限、工作时间、食宿、劳动保护、保险、报酬以及可能存在的风险，"
        "自愿同意丙方参加本协议约定的学徒培养，并同意甲方、乙方依照本协议对丙方进行教育和管理。",
        "丁方知悉：丙方未满十八周岁期间属于未成年工，依法享有特殊劳动保护；"
        "丁方有权随时向甲方、乙方了解丙方的情况，发现丙方权益受到侵害的，有权要求纠正或者解除本协议。",
    ],
)

# Wording that differs between the two agreements: (token, three-party, four-party).
TOKENS = [
    ("【家长】", "丙方家长", "丁方"),
    ("【丙丁】", "丙方", "丙方和丁方"),
    ("【解除方】", "甲方或丙方", "甲方、丙方或丁方"),
    ("【末条】", "十六", "十七"),
]

FINAL = (
    "第【末条】条　其他",
    [
        "（一）本协议未尽事宜，由各方协商后订立补充协议，补充协议与本协议具有同等效力。",
        "（二）本协议一式{{ copies_cn }}份，各方各执一份，具有同等法律效力，"
        "自各方签字（盖章）之日起生效，至培养期满或本协议解除时终止。",
        "（三）本协议于{{ sign_place }}签订。",
    ],
)


def _set_font(run, face: str, size: float | None = None, bold: bool = False) -> None:
    run.font.name = face
    run.font.bold = bold
    if size:
        run.font.size = Pt(size)
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), face)


def _style_defaults(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = SONG
    normal.font.size = Pt(12)  # 小四
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), SONG)
    pf = normal.paragraph_format
    pf.space_after = Pt(3)
    pf.line_spacing = 1.3
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.6)


def _para(
    doc,
    text: str,
    *,
    face: str = SONG,
    size: float | None = None,
    bold: bool = False,
    align=None,
    indent: bool = True,
):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(24)
    _set_font(p.add_run(text), face, size, bold)
    return p


def _cell(cell, text: str, *, bold: bool = False, size: float = 10.5) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, line in enumerate(text.split("\n")):
        run = p.add_run(line)
        _set_font(run, HEI if bold else SONG, size, bold)
        if i < text.count("\n"):
            run.add_break()


def _stages_table(doc) -> None:
    headers = ["阶段", "阶段名称", "在校学习（月）", "在企业（月）", "在企业起止日期", "岗位学习内容"]
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, text, bold=True)
    _cell(table.rows[1].cells[0], "{%tr for s in stages %}")
    row = [
        "第{{ s.number }}阶段",
        "{{ s.name }}",
        "{{ s.school_months }}",
        "{{ s.company_months }}",
        "{{ s.company_start }}至\n{{ s.company_end }}",
        "{{ s.content }}",
    ]
    for cell, text in zip(table.rows[2].cells, row, strict=True):
        _cell(cell, text)
    _cell(table.rows[3].cells[0], "{%tr endfor %}")
    table.autofit = False
    widths = [Cm(w) for w in (2.0, 2.2, 1.8, 1.8, 3.6, 4.4)]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # w:gridCol, which LibreOffice reads
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _party_block(doc, label: str, lines: list[str]) -> None:
    _para(doc, label, face=HEI, bold=True, indent=False)
    for line in lines:
        _para(doc, line, indent=True)


def _signature_table(doc, four: bool) -> None:
    blocks = [
        ("甲方（学校）：{{ school.name }}", "（盖章）", "法定代表人或授权代表（签字）："),
        ("乙方（企业）：{{ company.name }}", "（盖章）", "法定代表人或授权代表（签字）："),
        ("丙方（学生）：{{ student.name }}", "", "本人（签字）："),
    ]
    if four:
        blocks.append(("丁方（监护人）：{{ guardian.name }}", "", "监护人（签字）："))
    table = doc.add_table(rows=(len(blocks) + 1) // 2, cols=2)
    for row in table.rows:  # a party's block never breaks across pages
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    # The platform paints each party's marks into these blocks when it seals the agreement
    # (contracts.sealing.marks, which finds them by these labels): the seal over （盖章）, the drawn signature, name
    # and capacity in the room under （签字）：, the time after 签署时间：.
    for i, (party, seal, signer) in enumerate(blocks):
        cell = table.rows[i // 2].cells[i % 2]
        cell.text = ""
        for j, text in enumerate([party, seal, signer, "", "签署时间："]):
            p = cell.paragraphs[0] if j == 0 else cell.add_paragraph()
            p.paragraph_format.space_after = Pt(40 if j == 3 else 6)
            _set_font(p.add_run(text), SONG, 11)


def build(four: bool) -> Document:
    doc = Document()
    _style_defaults(doc)
    kind = "四方" if four else "三方"
    _para(
        doc,
        f"现代学徒制学徒培养协议（{kind}）",
        face=HEI,
        size=18,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    _para(doc, "协议编号：{{ number }}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, size=10.5)
    _para(doc, "试点项目：{{ pilot_name }}", indent=False)

    _party_block(
        doc,
        "甲方（学校）：{{ school.name }}",
        [
            "地址：{{ school.address }}",
            "法定代表人：{{ school.legal_representative }}　联系人：{{ school.contact_person }}　"
            "联系电话：{{ school.phone }}",
            "学校指导教师：{{ school.supervising_teacher.name }}　"
            "联系电话：{{ school.supervising_teacher.phone }}",
        ],
    )
    _party_block(
        doc,
        "乙方（企业）：{{ company.name }}",
        [
            "统一社会信用代码：{{ company.credit_code }}",
            "地址：{{ company.address }}",
            "法定代表人：{{ company.legal_representative }}　联系人：{{ company.contact_person }}　"
            "联系电话：{{ company.phone }}",
            "企业师傅：{{ mentor.name }}　职务：{{ mentor.title }}　联系电话：{{ mentor.phone }}",
        ],
    )
    _party_block(
        doc,
        "丙方（学生、学徒）：{{ student.name }}",
        [
            "性别：{{ student.sex }}　出生日期：{{ student.birth_date }}",
            "居民身份证号码：{{ student.resident_id }}",
            "所在专业：{{ student.program }}　年级：{{ student.cohort }}　班级：{{ student.class_name }}",
            "联系电话：{{ student.phone }}　家庭住址：{{ student.address }}",
        ],
    )
    if four:
        _party_block(
            doc,
            "丁方（监护人）：{{ guardian.name }}",
            [
                "与丙方关系：{{ guardian.relation }}",
                "居民身份证号码：{{ guardian.resident_id }}",
                "联系电话：{{ guardian.phone }}　住址：{{ guardian.address }}",
            ],
        )

    _para(doc, PREAMBLE)
    clauses = list(CLAUSES) + ([GUARDIAN_CONSENT] if four else []) + [FINAL]
    for heading, paragraphs in clauses:
        for token, three_text, four_text in TOKENS:
            heading = heading.replace(token, four_text if four else three_text)
        _para(doc, heading, face=HEI, bold=True, indent=False).paragraph_format.keep_with_next = True
        for text in paragraphs:
            if isinstance(text, tuple):
                if not four:
                    continue
                text = text[1]
            if text == "STAGES_TABLE":
                _stages_table(doc)
                continue
            for token, three_text, four_text in TOKENS:
                text = text.replace(token, four_text if four else three_text)
            _para(doc, text)
    _para(doc, "（以下无正文，为签署页）", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=10.5)
    doc.add_page_break()  # the signature page stands on its own, as Chinese contracts do
    _para(
        doc,
        f"现代学徒制学徒培养协议（{kind}）签署页",
        face=HEI,
        size=14,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    _para(doc, "协议编号：{{ number }}", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=10.5)
    _signature_table(doc, four)
    return doc


def main(out_dir: Path = HERE) -> None:
    for name, four in (("three_party.docx", False), ("four_party.docx", True)):
        path = out_dir / name
        build(four).save(path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
