"""Upload validation of agreement templates: each kind of bad template is refused with a message naming it."""

import io

from docx import Document

from contracts.context import AgreementKind
from contracts.validate import validate_template


def _docx(*paragraphs: str, header: str = "") -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if header:
        document.sections[0].header.paragraphs[0].text = header
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_the_shipped_templates_are_valid(template_bytes):
    # when / then
    assert validate_template(template_bytes("three_party"), kind=AgreementKind.THREE_PARTY) == []
    assert validate_template(template_bytes("four_party"), kind=AgreementKind.FOUR_PARTY) == []


def test_a_file_that_is_not_a_zip_is_refused():
    # when
    problems = validate_template(b"%PDF-1.7 not a word document")

    # then
    assert [p.code for p in problems] == ["NOT_DOCX"]
    assert ".docx" in problems[0].message


def test_a_zip_that_is_not_a_word_document_is_refused():
    # given
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")

    # when
    problems = validate_template(out.getvalue())

    # then
    assert [p.code for p in problems] == ["NOT_DOCX"]


def test_a_jinja_syntax_error_is_refused_naming_the_part_and_the_error():
    # given
    data = _docx("学生：{{ student.name }}", "{% for s in stages %}{{ s.name }}")

    # when
    problems = validate_template(data)

    # then
    assert [p.code for p in problems] == ["SYNTAX_ERROR"]
    assert problems[0].part == "正文"
    assert "endfor" in problems[0].message_en


def test_an_unclosed_tag_in_a_header_is_reported_for_the_header():
    # given
    data = _docx("学生：{{ student.name }}", header="协议编号：{{ number ")

    # when
    problems = validate_template(data)

    # then
    assert [(p.code, p.part) for p in problems] == [("SYNTAX_ERROR", "页眉")]


def test_an_unknown_filter_is_a_syntax_error():
    # when
    problems = validate_template(_docx("{{ student.name | shout }}"))

    # then
    assert [p.code for p in problems] == ["SYNTAX_ERROR"]
    assert "shout" in problems[0].message


def test_misspelt_variables_are_each_named_with_a_suggestion():
    # given
    data = _docx(
        "学生：{{ student.nmae }}，企业：{{ compnay.name }}",
        "{% for s in stages %}{{ s.company_strat }}{% endfor %}",
        "{{ totally_unknown_thing }}",
    )

    # when
    problems = validate_template(data)

    # then
    found = {p.variable: p.suggestion for p in problems if p.code == "UNKNOWN_VARIABLE"}
    assert found == {
        "student.nmae": "student.name",
        "compnay.name": "company.name",
        "stages[].company_strat": "stages[].company_start",
        "totally_unknown_thing": "",
    }
    message = next(p.message for p in problems if p.variable == "student.nmae")
    assert "student.nmae" in message and "student.name" in message


def test_loop_variables_set_locals_and_string_methods_are_not_reported():
    # given
    data = _docx(
        "{% for s in stages %}{{ loop.index }}{{ s.name }}{% endfor %}",
        "{% set who = student.name %}{{ who }}{{ student.name.upper() }}",
    )

    # when / then
    assert validate_template(data, kind=AgreementKind.THREE_PARTY) == []


def test_a_guardian_field_in_a_three_party_template_is_refused():
    # given
    data = _docx("监护人：{{ guardian.name }}")

    # when
    problems = validate_template(data, kind=AgreementKind.THREE_PARTY)

    # then
    assert [(p.code, p.variable) for p in problems] == [("GUARDIAN_IN_THREE_PARTY", "guardian.name")]
    assert validate_template(data, kind=AgreementKind.FOUR_PARTY) == []


def test_a_template_that_fails_its_trial_rendering_is_refused():
    # given: valid syntax and names, but integer division by a string fails at render time
    data = _docx("{{ pay.pay_day / student.name }}")

    # when
    problems = validate_template(data)

    # then
    assert [p.code for p in problems] == ["RENDER_ERROR"]
