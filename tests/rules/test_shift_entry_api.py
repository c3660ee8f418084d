"""Entering shifts through the API: every working-time boundary, exceptions, uploads, attestation."""

import datetime

import pytest

from backend.rules.models import Shift, Violation
from tests.factories.rules import ShiftExceptionFactory, ShiftFactory, at

pytestmark = pytest.mark.django_db
URL = "/api/v1/shifts/"


def post_shift(client, placement, start, end, kind="planned"):
    return client.post(
        URL,
        {"placement": placement.pk, "kind": kind, "start_at": start.isoformat(), "end_at": end.isoformat()},
        format="json",
    )


def test_exactly_eight_hours_is_accepted_eight_hours_one_minute_refused(api_client_for, placement, hr_of):
    client = api_client_for(hr_of(placement))
    # given / when exactly 8:00 on Monday 2 March 2026
    ok = post_shift(client, placement, at("2026-03-02", "08:00"), at("2026-03-02", "16:00"))
    # then
    assert ok.status_code == 201, ok.json()
    # when 8:01 on the next day
    refused = post_shift(client, placement, at("2026-03-03", "08:00"), at("2026-03-03", "16:01"))
    # then refused with the rule, the figures and both languages; nothing stored
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "DAILY_HOURS"
    problem = error["details"]["problems"][0]
    assert problem["figures"] == {"limit_minutes": 480, "actual_minutes": 481}
    assert "8:01" in error["message"] and "8:01 h" in error["message_en"]
    assert error["details"]["policy"] == "CN-NATIONAL-2021"
    assert Shift.objects.filter(placement=placement).count() == 1


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ("21:00", "22:00", None),
        ("21:00", "22:01", "NIGHT_WORK"),
        ("05:59", "07:00", "NIGHT_WORK"),
        ("06:00", "07:00", None),
    ],
)
def test_night_window_boundaries(api_client_for, placement, hr_of, start, end, code):
    response = post_shift(
        api_client_for(hr_of(placement)), placement, at("2026-03-04", start), at("2026-03-04", end)
    )
    if code is None:
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 400
        assert response.json()["error"]["code"] == code


def test_shift_across_midnight_is_refused_on_both_days_unless_an_exception_covers_it(
    api_client_for, placement, hr_of
):
    client = api_client_for(hr_of(placement))
    # given a 20:00 -> 02:00 shift
    start, end = at("2026-03-05", "20:00"), at("2026-03-06", "02:00")
    refused = post_shift(client, placement, start, end)
    problems = refused.json()["error"]["details"]["problems"]
    assert [(p["code"], p["period_start"]) for p in problems] == [
        ("NIGHT_WORK", "2026-03-05"),
        ("NIGHT_WORK", "2026-03-06"),
    ]
    # when an exception filed with the authority covers night work that week
    ShiftExceptionFactory(
        placement=placement,
        rule_code="NIGHT_WORK",
        period_start=datetime.date(2026, 3, 2),
        period_end=datetime.date(2026, 3, 8),
    )
    # then the same shift is accepted
    assert post_shift(client, placement, start, end).status_code == 201


def test_first_day_of_spring_festival_refused_swapped_working_saturday_accepted(
    api_client_for, placement, hr_of
):
    client = api_client_for(hr_of(placement))
    holiday = post_shift(client, placement, at("2026-02-15", "08:00"), at("2026-02-15", "12:00"))
    assert holiday.status_code == 400
    error = holiday.json()["error"]
    assert error["code"] == "HOLIDAY_WORK" and "春节" in error["message"]
    swapped = post_shift(client, placement, at("2026-02-14", "08:00"), at("2026-02-14", "16:00"))
    assert swapped.status_code == 201, swapped.json()


def test_week_grid_of_seven_days_is_refused_for_the_rest_day(api_client_for, placement, mentor_of):
    client = api_client_for(mentor_of(placement))
    seven = {str(d): ["08:00", "13:00"] for d in range(1, 8)}
    refused = client.post(
        f"{URL}week/", {"placement": placement.pk, "monday": "2026-03-09", "days": seven}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "REST_DAY"
    assert not Shift.objects.filter(placement=placement).exists()
    six = {str(d): ["08:00", "14:00"] for d in range(1, 7)}
    ok = client.post(
        f"{URL}week/", {"placement": placement.pk, "monday": "2026-03-09", "days": six}, format="json"
    )
    assert ok.status_code == 201, ok.json()
    assert Shift.objects.filter(placement=placement).count() == 6


def test_forty_hours_a_week_accepted_one_more_minute_refused(api_client_for, placement, hr_of):
    client = api_client_for(hr_of(placement))
    five = {str(d): ["08:00", "16:00"] for d in range(1, 6)}
    assert (
        client.post(
            f"{URL}week/", {"placement": placement.pk, "monday": "2026-03-16", "days": five}, format="json"
        ).status_code
        == 201
    )
    refused = post_shift(client, placement, at("2026-03-21", "09:00"), at("2026-03-21", "09:01"))
    assert refused.json()["error"]["code"] == "WEEKLY_HOURS"
    assert refused.json()["error"]["details"]["problems"][0]["figures"]["actual_minutes"] == 2401


def test_overlapping_shifts_are_refused(api_client_for, placement, hr_of):
    ShiftFactory(placement=placement, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "12:00"))
    response = post_shift(
        api_client_for(hr_of(placement)), placement, at("2026-03-02", "11:00"), at("2026-03-02", "13:00")
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "SHIFT_OVERLAP"


def test_csv_with_one_bad_row_is_refused_whole_with_row_numbers(api_client_for, placement, hr_of):
    # given a file whose third data row (file row 4) is on the Spring Festival holiday and row 5 is unreadable
    content = (
        b"date,start,end\n2026-02-09,08:00,16:00\n2026-02-10,08:00,16:00\n2026-02-16,08:00,12:00\n"
        b"2026-02-11,8 o'clock,16:00\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("shifts.csv", content, content_type="text/csv")
    response = api_client_for(hr_of(placement)).post(
        f"{URL}import/", {"placement": placement.pk, "kind": "planned", "file": upload}, format="multipart"
    )
    # then nothing is stored and the unreadable row is named
    assert response.status_code == 400
    assert response.json()["error"]["details"]["problems"][0]["row"] == 5
    # when the unreadable row is fixed, the holiday row is named
    upload = SimpleUploadedFile(
        "shifts.csv", content.replace(b"8 o'clock", b"08:00"), content_type="text/csv"
    )
    response = api_client_for(hr_of(placement)).post(
        f"{URL}import/", {"placement": placement.pk, "kind": "planned", "file": upload}, format="multipart"
    )
    error = response.json()["error"]
    assert error["code"] == "HOLIDAY_WORK"
    assert error["details"]["problems"][0]["rows"] == [4]
    assert error["details"]["problems"][0]["message"].startswith("第 4 行")
    assert not Shift.objects.filter(placement=placement).exists()


def test_xlsx_upload_is_accepted(api_client_for, placement, hr_of):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["date", "start", "end"])
    ws.append([datetime.date(2026, 3, 2), datetime.time(8), datetime.time(16)])
    ws.append(["2026-03-03", "08:00", "16:00"])
    buf = io.BytesIO()
    wb.save(buf)
    upload = SimpleUploadedFile("shifts.xlsx", buf.getvalue())
    response = api_client_for(hr_of(placement)).post(
        f"{URL}import/", {"placement": placement.pk, "kind": "planned", "file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()) == 2


def test_actual_hours_are_accepted_and_produce_violations(api_client_for, placement, hr_of):
    client = api_client_for(hr_of(placement))
    # given a planned 8-hour day
    assert (
        post_shift(client, placement, at("2026-03-02", "08:00"), at("2026-03-02", "16:00")).status_code == 201
    )
    # when 9 hours are reported as actually worked
    response = post_shift(
        client, placement, at("2026-03-02", "08:00"), at("2026-03-02", "17:00"), kind="actual"
    )
    # then they are stored, and the day's violations are recorded with the policy version
    assert response.status_code == 201, response.json()
    found = {v.rule_code: v for v in Violation.objects.filter(placement=placement)}
    assert set(found) == {"DAILY_HOURS", "OVERTIME"}
    assert found["DAILY_HOURS"].figures == {"limit_minutes": 480, "actual_minutes": 540}
    assert found["OVERTIME"].figures["actual_minutes"] == 60
    assert found["DAILY_HOURS"].policy_code == "CN-NATIONAL-2021"
    assert found["DAILY_HOURS"].period_start == datetime.date(2026, 3, 2)


def test_student_confirms_or_disputes_actual_hours_only_their_own(
    api_client_for, placement, student_of, hr_of
):
    shift = ShiftFactory(placement=placement, actual=True, start_at=at("2026-03-02", "08:00"))
    student = api_client_for(student_of(placement))
    disputed = student.post(
        f"{URL}{shift.pk}/attest/", {"confirmed": False, "note": "实际 9 小时"}, format="json"
    )
    assert disputed.status_code == 200
    assert disputed.json()["attestation"] == "disputed"
    # HR cannot attest for the student
    assert (
        api_client_for(hr_of(placement))
        .post(f"{URL}{shift.pk}/attest/", {"confirmed": True}, format="json")
        .status_code
        == 403
    )


def test_student_cannot_enter_shifts(api_client_for, placement, student_of):
    response = post_shift(
        api_client_for(student_of(placement)), placement, at("2026-03-02", "08:00"), at("2026-03-02", "16:00")
    )
    assert response.status_code == 403


def test_exception_is_filed_with_its_reference_and_approver(api_client_for, placement, hr_of):
    from tests.factories.accounts import CoordinatorFactory

    client = api_client_for(CoordinatorFactory(school=placement.pilot.school))  # the school records it
    missing = client.post(
        "/api/v1/shift-exceptions/",
        {
            "placement": placement.pk,
            "rule_code": "NIGHT_WORK",
            "period_start": "2026-03-02",
            "period_end": "2026-03-08",
            "authority_reference": "",
            "approver": "市教委",
        },
        format="json",
    )
    assert missing.status_code == 400
    filed = client.post(
        "/api/v1/shift-exceptions/",
        {
            "placement": placement.pk,
            "rule_code": "NIGHT_WORK",
            "period_start": "2026-03-02",
            "period_end": "2026-03-08",
            "authority_reference": "沪教职备〔2026〕7号",
            "approver": "市教委职成教处",
        },
        format="json",
    )
    assert filed.status_code == 201, filed.json()
    hr = api_client_for(hr_of(placement))
    assert post_shift(hr, placement, at("2026-03-03", "21:00"), at("2026-03-03", "23:00")).status_code == 201


def test_holiday_calendar_is_listed_by_year(api_client_for, placement, hr_of):
    rows = api_client_for(hr_of(placement)).get("/api/v1/holidays/?year=2026&page_size=100").json()["results"]
    assert {
        "date": "2026-02-14",
        "kind": "workday",
        "name": "Spring Festival",
        "name_zh": "春节",
        "source": "chinesecalendar",
    } in rows
    assert any(r["date"] == "2026-02-15" and r["kind"] == "holiday" for r in rows)
