"""Hostile and careless rosters: every bad cell is a row error in the preview (never a 500), nothing is written, and
an oversized file is refused as soon as it passes the limit, without reading the rest."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from backend.core.errors import ApplicationError
from backend.schools import roster
from backend.schools.models import Guardian, Student
from backend.schools.roster import roster_import, roster_preview
from tests.factories.accounts import CoordinatorFactory
from tests.schools.test_roster import HEADING, as_csv, rows, school  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

WITH_PHONE = [*HEADING, "手机号"]
NAME, YEAR, PHONE = 0, 3, 8


def as_xlsx(data: list[list[str]], heading: list[str] = WITH_PHONE) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(heading)
    for row in data:
        sheet.append(row)
    for line in sheet.iter_rows():
        for cell in line:
            if cell.data_type == "f":
                cell.data_type = "s"  # the text "=HYPERLINK(...)" as typed into a text cell, not a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster_with(column: int, value: str) -> list[list[str]]:
    data = [[*r, "13900000000"] for r in rows(2)]
    data[1][column] = value
    return data


HOSTILE = [
    pytest.param(NAME, "张\x00三", "姓名", "CONTROL_CHARACTER", id="nul-in-name"),
    pytest.param(NAME, "张" * 300, "姓名", "TOO_LONG", id="300-character-name"),
    pytest.param(PHONE, "1" * 100, "手机号", "TOO_LONG", id="100-character-phone"),
    pytest.param(PHONE, "abc", "手机号", "PHONE", id="not-a-phone"),
    pytest.param(YEAR, "inf", "入学年份", "ENTRY_YEAR", id="year-inf"),
    pytest.param(YEAR, "1e400", "入学年份", "ENTRY_YEAR", id="year-1e400"),
    pytest.param(YEAR, "nan", "入学年份", "ENTRY_YEAR", id="year-nan"),
    pytest.param(
        NAME, '=HYPERLINK("http://evil.example/","点我")', "姓名", "NAME_INVALID", id="formula-name"
    ),
    pytest.param(NAME, "@SUM(1+1)*cmd|/C calc!A0", "姓名", "NAME_INVALID", id="at-name"),
    pytest.param(5, "+1+1", "监护人姓名", "NAME_INVALID", id="formula-guardian"),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("column", "value", "heading", "code"), HOSTILE)
def test_a_hostile_cell_is_a_row_error_and_nothing_is_written(school, fmt, column, value, heading, code):  # noqa: F811
    if fmt == "xlsx" and "\x00" in value:
        pytest.skip("XML 1.0, and so an XLSX, cannot hold a NUL: only a CSV brings one")
    data = roster_with(column, value)
    content = as_csv(data, heading=WITH_PHONE) if fmt == "csv" else as_xlsx(data)
    # when
    preview = roster_preview(school=school, file_name=f"r.{fmt}", content=content)
    # then
    assert [(e.row, e.column, e.code) for e in preview.errors] == [(3, heading, code)]
    assert len(preview.new_rows) == 1
    with pytest.raises(ApplicationError) as caught:
        roster_import(actor=None, school=school, file_name=f"r.{fmt}", content=content)
    assert caught.value.code == "ROSTER_INVALID"
    assert Student.objects.count() == 0 and Guardian.objects.count() == 0


def test_the_api_preview_answers_row_errors_not_a_500(api_client_for, school):  # noqa: F811
    client = api_client_for(CoordinatorFactory(school=school))
    for column, value in ((NAME, "张\x00三"), (NAME, "张" * 300), (PHONE, "1" * 100), (YEAR, "1e400")):
        upload = SimpleUploadedFile("r.csv", as_csv(roster_with(column, value), heading=WITH_PHONE))
        response = client.post("/api/v1/roster-imports/preview/", {"file": upload}, format="multipart")
        assert response.status_code == 200, value
        assert [e["row"] for e in response.json()["errors"]] == [3]
        upload = SimpleUploadedFile("r.csv", as_csv(roster_with(column, value), heading=WITH_PHONE))
        response = client.post("/api/v1/roster-imports/", {"file": upload}, format="multipart")
        assert response.status_code == 400 and response.json()["error"]["code"] == "ROSTER_INVALID"
    assert Student.objects.count() == 0 and Guardian.objects.count() == 0


def test_invisible_characters_in_names_are_removed_on_import(school):  # noqa: F811
    data = rows(1)
    data[0][0] = "\u202e王\u200b小明\u2066"
    data[0][5] = "王\ufeff大明"
    roster_import(actor=None, school=school, file_name="r.csv", content=as_csv(data))
    student = Student.objects.get()
    assert student.name == "王小明" and student.guardians.get().name == "王大明"


def _xlsx_with_sheet(sheet_xml: str) -> bytes:
    """A valid workbook whose first sheet's XML is replaced by the given text (no <dimension>: the size is only
    known by reading the rows)."""
    base = io.BytesIO()
    Workbook().save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            dst.writestr(item, data)
    return out.getvalue()


def _sheet(rows_xml: str) -> str:
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f"{rows_xml}</sheetData></worksheet>"
    )


def _rows_xml(first: int, last: int) -> str:
    return "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>x</t></is></c></row>' for i in range(first, last)
    )


def test_an_xlsx_of_200000_rows_is_refused_at_the_limit_without_reading_the_rest(school):  # noqa: F811
    # given: 200,000 rows, and 2,000 rows after the limit the sheet is not even well-formed XML: reading it whole
    # would fail with "cannot be read"; stopping at the limit answers the row limit (the 2,000 rows leave room for
    # the parser's read-ahead)
    limit = roster.MAX_ROWS
    garbage = "<row><<<not xml" * 10_000
    content = _xlsx_with_sheet(
        _sheet(_rows_xml(1, limit + 2000) + garbage + _rows_xml(limit + 2000, 200_000))
    )
    assert len(content) < roster.MAX_BYTES
    # when
    with pytest.raises(ApplicationError) as caught:
        roster_preview(school=school, file_name="big.xlsx", content=content)
    # then
    assert caught.value.code == "ROSTER_FILE"
    assert f"{limit}" in caught.value.message
    # and a sheet whose rows run far down (blank ones count) is refused at the sheet's row limit
    far = _sheet(_rows_xml(1, 3) + '<row r="900000"><c r="A900000" t="inlineStr"><is><t>x</t></is></c></row>')
    with pytest.raises(ApplicationError) as caught:
        roster_preview(school=school, file_name="far.xlsx", content=_xlsx_with_sheet(far))
    assert caught.value.code == "ROSTER_FILE" and f"{limit}" in caught.value.message


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(school):  # noqa: F811
    content = as_csv(rows(1)) + b"," * (roster.MAX_BYTES + 1)
    with pytest.raises(ApplicationError) as caught:
        roster_preview(school=school, file_name="r.csv", content=content)
    assert caught.value.code == "ROSTER_FILE"
    assert Student.objects.count() == 0


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused(school, monkeypatch):  # noqa: F811
    monkeypatch.setattr(roster, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(ApplicationError) as caught:
        roster_preview(school=school, file_name="r.xlsx", content=as_xlsx(roster_with(NAME, "张三")))
    assert caught.value.code == "ROSTER_FILE"
