"""Attendance (actual hours) upload, issue 12: Chinese headers as well as English, columns in any order, and no
hours reported for days that have not happened yet."""

import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from backend.core.errors import ApplicationError
from backend.rules.models import Shift, ShiftKind
from backend.rules.shift_files import parse_shift_file
from tests.factories.accounts import HrFactory

pytestmark = pytest.mark.django_db

# Friday 11 September 2026, noon in Shanghai
TODAY = datetime.datetime(2026, 9, 11, 4, 0, tzinfo=datetime.UTC)


def upload(client, placement, name, content):
    return client.post(
        "/api/v1/shifts/import/",
        {"placement": placement.pk, "kind": ShiftKind.ACTUAL, "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


@pytest.mark.parametrize(
    "header",
    ["日期,开始,结束", "date,start,end", "Date,Start,End", "开始,结束,日期", "日期,开始时间,结束时间,备注"],
    ids=["chinese", "english", "english-capitalised", "chinese-reordered", "chinese-extra-column"],
)
def test_the_header_may_be_chinese_or_english_in_any_order(header):
    names = header.split(",")
    values = {"日期": "2026-09-07", "date": "2026-09-07", "Date": "2026-09-07", "备注": "早班"}
    values |= {n: "08:30" for n in ("开始", "开始时间", "start", "Start")}
    values |= {n: "17:00" for n in ("结束", "结束时间", "end", "End")}
    content = (header + "\n" + ",".join(values[n] for n in names) + "\n").encode()

    [row] = parse_shift_file(name="a.csv", content=content)

    assert (row.number, row.date, row.start, row.end) == (2, "2026-09-07", "08:30", "17:00")


def test_a_header_without_the_three_columns_is_refused_in_both_languages():
    with pytest.raises(ApplicationError) as refused:
        parse_shift_file(name="a.csv", content="日期,开始\n2026-09-07,08:30\n".encode())
    assert refused.value.code == "SHIFT_FILE_HEADER"
    assert "日期,开始,结束" in refused.value.message and "date,start,end" in refused.value.message_en


@time_machine.travel(TODAY, tick=False)
def test_hr_uploads_attendance_with_chinese_headers_as_xlsx(api_client_for, placement):
    # given an XLSX in Chinese, up to today
    wb = Workbook()
    wb.active.append(["日期", "开始", "结束"])
    wb.active.append([datetime.date(2026, 9, 10), datetime.time(8), datetime.time(16)])
    wb.active.append(["2026-09-11", "08:00", "12:00"])
    out = io.BytesIO()
    wb.save(out)

    # when
    response = upload(
        api_client_for(HrFactory(company=placement.post.company)), placement, "出勤.xlsx", out.getvalue()
    )

    # then
    assert response.status_code == 201, response.content
    assert Shift.objects.filter(placement=placement, kind=ShiftKind.ACTUAL).count() == 2


@time_machine.travel(TODAY, tick=False)
def test_a_future_date_is_refused_with_its_row_and_nothing_is_stored(api_client_for, placement):
    # given tomorrow's hours in row 3
    content = "日期,开始,结束\n2026-09-11,08:00,16:00\n2026-09-12,08:00,16:00\n".encode()

    # when
    response = upload(api_client_for(HrFactory(company=placement.post.company)), placement, "a.csv", content)

    # then
    assert response.status_code == 400
    error = response.json()["error"]
    [problem] = error["details"]["problems"]
    assert (problem["code"], problem["row"]) == ("SHIFT_ROW_FUTURE", 3)
    assert problem["message"].startswith("第 3 行") and "2026-09-12" in problem["message"]
    assert "after today 2026-09-11" in problem["message_en"]
    assert Shift.objects.count() == 0


@time_machine.travel(TODAY, tick=False)
def test_a_plan_may_still_be_uploaded_for_the_weeks_ahead(api_client_for, placement):
    client = api_client_for(HrFactory(company=placement.post.company))
    response = client.post(
        "/api/v1/shifts/import/",
        {
            "placement": placement.pk,
            "kind": ShiftKind.PLANNED,
            "file": SimpleUploadedFile("plan.csv", "日期,开始,结束\n2026-09-14,08:00,16:00\n".encode()),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content


@time_machine.travel(TODAY, tick=False)
def test_the_portal_upload_names_the_future_row(client, placement):
    client.force_login(HrFactory(company=placement.post.company))
    page = client.post(
        f"/company/shifts/{placement.pk}/attendance/",
        {"file": SimpleUploadedFile("a.csv", "日期,开始,结束\n2026-09-30,08:00,16:00\n".encode())},
    )
    assert page.status_code == 200
    assert "第 2 行" in page.content.decode() and "晚于今天" in page.content.decode()
    assert Shift.objects.count() == 0
