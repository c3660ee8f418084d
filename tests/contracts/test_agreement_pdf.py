"""The shipped templates, rendered and converted by a real LibreOffice, checked with poppler."""

import io
import re

import pytest
from docx import Document

from contracts.context import AgreementKind
from contracts.render import render_docx
from contracts.samples import sample_context
from tests.contracts.pdftools import pdf_fonts, pdf_text

pytestmark = pytest.mark.libreoffice

# Every clause issue 3 requires, as text that must be in the PDF (whitespace ignored: pdftotext wraps lines).
REQUIRED = {
    "school and supervising teacher": [
        "甲方（学校）：常州机电职业技术学校",
        "学校指导教师：陈静",
        "13700137000",
    ],
    "company": ["乙方（企业）：常州精工机械制造有限公司", "统一社会信用代码：91320412MA1XXXXXX0"],
    "mentor": ["企业师傅：刘师傅", "高级技师、车间班组长"],
    "student": ["王小明", "所在专业：数控技术"],
    "period": ["培养期限：自2026年9月1日起至2027年6月30日止"],
    "place": ["培养地点：江苏省常州市武进区常武南路518号"],
    "post": ["培养岗位：数控车床操作工"],
    "content": ["岗位学习内容：数控车床的装夹、对刀、程序输入与首件检验"],
    "stages": [
        "第二条培养阶段",
        "第1阶段",
        "岗位认知",
        "2027年1月4日至",
        "2027年1月29日",
        "第2阶段",
        "岗位操作",
    ],
    "working time": ["每日不超过8小时", "每周不超过40小时", "周一至周五8:30—12:00"],
    "no overtime": ["不得安排丙方加班"],
    "no night shifts": ["不得安排丙方上夜班", "22时至次日6时"],
    "no statutory holidays": ["不得在国家法定节假日安排丙方工作"],
    "board lodging leave": [
        "第五条食宿和请假",
        "饮食：乙方提供工作日午餐",
        "住宿：乙方提供集体宿舍",
        "请假：",
    ],
    "labour protection and safety": ["第六条劳动保护和安全", "劳动防护用品", "安全生产教育"],
    "liability insurance": ["学生实习责任保险", "PZAB202632040000001"],
    "work-injury insurance": ["工伤保险", "GS-320412-2026-0001", "保险费由乙方承担"],
    "accident handling": ["伤害事故的，乙方应当立即组织救治", "24小时内通知"],
    "assessment": ["第八条考核", "企业师傅和学校指导教师共同对丙方进行考核"],
    "pay": ["每月人民币4,200.00元", "不低于其80%", "按月向丙方支付", "直接支付给丙方本人"],
    "dual identity": ["学生和学徒双重身份"],
    "no fees or deposits": ["不得向丙方收取押金、保证金", "不得扣押丙方的居民身份证"],
    "regular information": ["第十一条信息通报", "每月向甲方书面通报"],
    "change and termination": ["协议的变更和解除"],
    "breach": ["违约责任"],
    "disputes": ["争议解决", "人民法院"],
    "signature blocks": ["（以下无正文，为签署页）", "法定代表人或授权代表（签字）", "本人（签字）"],
}
FOUR_PARTY_ONLY = {
    "guardian details": ["丁方（监护人）：王建国", "与丙方关系：父亲"],
    "guardian informed consent": ["监护人知情同意", "自愿同意丙方参加本协议约定的学徒培养"],
    "guardian signature": ["监护人（签字）"],
    "parents informed": ["向丁方通报"],
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _docx_text(docx: bytes) -> str:
    document = Document(io.BytesIO(docx))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def agreements(converter_pool, template_bytes):
    result = {}
    for kind in AgreementKind:
        docx = render_docx(template_bytes(kind.value), sample_context(kind))
        result[kind] = (docx, converter_pool.convert(docx))
    return result


@pytest.mark.parametrize("kind", list(AgreementKind))
def test_every_required_clause_is_in_the_pdf_text(agreements, kind, tmp_path):
    # given
    _, pdf = agreements[kind]
    required = dict(REQUIRED) | (FOUR_PARTY_ONLY if kind is AgreementKind.FOUR_PARTY else {})

    # when
    text = _squash(pdf_text(pdf, tmp_path))

    # then
    missing = {clause: [p for p in phrases if p not in text] for clause, phrases in required.items()}
    assert {clause: m for clause, m in missing.items() if m} == {}


def test_the_three_party_agreement_has_no_guardian(agreements, tmp_path):
    # when
    text = _squash(pdf_text(agreements[AgreementKind.THREE_PARTY][1], tmp_path))

    # then
    assert "丁方" not in text and "监护人（签字）" not in text
    assert text.startswith("现代学徒制学徒培养协议（三方）")
    assert "向丙方家长通报" in text


@pytest.mark.parametrize("kind", list(AgreementKind))
def test_every_chinese_character_of_the_document_is_in_the_pdf(agreements, kind, tmp_path):
    # given
    docx, pdf = agreements[kind]
    cjk = re.compile(r"[\u3001-\u303f\u4e00-\u9fff\uff00-\uffef]")

    # when
    in_docx = set(cjk.findall(_docx_text(docx)))
    in_pdf = set(cjk.findall(pdf_text(pdf, tmp_path)))

    # then
    assert len(in_docx) > 300
    assert in_docx - in_pdf == set()


@pytest.mark.parametrize("kind", list(AgreementKind))
def test_every_font_is_embedded_and_the_song_face_is_noto_serif_cjk(agreements, kind, tmp_path):
    # when
    fonts = pdf_fonts(agreements[kind][1], tmp_path)

    # then
    assert fonts
    assert all(f["emb"] == "yes" for f in fonts), fonts
    assert any("NotoSerifCJK" in f["name"] for f in fonts), fonts
    assert any("NotoSansCJK" in f["name"] for f in fonts), fonts  # the 黑体 headings


def test_rendering_fills_every_placeholder_and_escapes_markup(template_bytes):
    # given
    context = sample_context(AgreementKind.FOUR_PARTY, student_name="李<雷>&韩梅梅")

    # when
    text = _docx_text(render_docx(template_bytes("four_party"), context))

    # then
    assert "{{" not in text and "{%" not in text
    assert "李<雷>&韩梅梅" in text
    assert text.count("第1阶段") == 1 and "第3阶段" not in text


def test_renders_of_one_template_never_share_data(template_bytes):
    # given: the compiled template is reused between renders
    first_context = sample_context(AgreementKind.THREE_PARTY, student_name="甲同学", number="N-1")
    second_context = sample_context(AgreementKind.THREE_PARTY, student_name="乙同学", number="N-2")

    # when
    first = _docx_text(render_docx(template_bytes("three_party"), first_context))
    second = _docx_text(render_docx(template_bytes("three_party"), second_context))

    # then
    assert "甲同学" in first and "乙同学" not in first and "N-1" in first
    assert "乙同学" in second and "甲同学" not in second and "N-2" in second
