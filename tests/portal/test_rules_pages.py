"""Shift grid, attendance upload, violations inbox and the student's attestation, through Django's test client."""

import datetime

import pytest

from backend.rules.models import Shift, ShiftKind, Violation, ViolationStatus
from backend.rules.services.shifts import shifts_enter
from tests.factories.accounts import CoordinatorFactory, HrFactory, StudentUserFactory
from tests.factories.placements import PlacementFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 9, 7)
SH = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def placement():
    return PlacementFactory(active=True)


def test_a_night_shift_is_refused_on_the_spot_with_the_rule_explained(client, placement):
    # given
    client.force_login(HrFactory(company=placement.post.company))
    # when HR plans Tuesday 22:00 to Wednesday 02:00
    response = client.post(
        f"/company/shifts/{placement.pk}/",
        {"week": MONDAY.isoformat(), "start_2": "22:00", "end_2": "02:00"},
        HTTP_HX_REQUEST="true",
    )
    # then nothing is stored and the rule and its figures are on the page
    assert response.status_code == 422
    body = response.content.decode()
    assert "NIGHT_WORK" in body and "夜间" in body and 'class="row-refused"' in body
    assert not Shift.objects.exists()


def test_a_lawful_week_is_stored(client, placement):
    client.force_login(HrFactory(company=placement.post.company))
    data = {"week": MONDAY.isoformat()}
    for day in range(1, 6):
        data |= {f"start_{day}": "09:00", f"end_{day}": "17:00"}
    response = client.post(f"/company/shifts/{placement.pk}/", data)
    assert response.status_code == 200 and response.context["saved"] == 5
    assert Shift.objects.filter(placement=placement, kind=ShiftKind.PLANNED).count() == 5
    grid = client.get(f"/company/shifts/{placement.pk}/?week={MONDAY.isoformat()}")
    assert [len(d["planned"]) for d in grid.context["days"]] == [1, 1, 1, 1, 1, 0, 0]


def test_a_ten_hour_day_is_refused_as_daily_hours(client, placement):
    client.force_login(HrFactory(company=placement.post.company))
    response = client.post(
        f"/company/shifts/{placement.pk}/", {"week": MONDAY.isoformat(), "start_1": "08:00", "end_1": "18:00"}
    )
    assert response.status_code == 422 and "DAILY_HOURS" in response.content.decode()
    assert not Shift.objects.exists()


def test_another_companys_apprentice_answers_404(client, placement):
    client.force_login(HrFactory())
    assert client.get(f"/company/shifts/{placement.pk}/").status_code == 404
    assert (
        client.post(f"/company/shifts/{placement.pk}/", {"start_1": "09:00", "end_1": "10:00"}).status_code
        == 404
    )
    assert not Shift.objects.exists()


def test_attendance_upload_stores_actual_hours_and_reports_bad_rows(client, placement):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(HrFactory(company=placement.post.company))
    bad = SimpleUploadedFile("a.csv", b"date,start,end\n2026-09-07,09:00,17:00\n2026-09-08,nine,17:00\n")
    response = client.post(f"/company/shifts/{placement.pk}/attendance/", {"file": bad})
    assert response.status_code == 200 and "第 3 行" in response.content.decode()
    assert not Shift.objects.exists()
    good = SimpleUploadedFile("a.csv", b"date,start,end\n2026-09-07,09:00,17:00\n2026-09-08,09:00,17:00\n")
    response = client.post(f"/company/shifts/{placement.pk}/attendance/", {"file": good})
    assert response.status_code == 302
    assert Shift.objects.filter(placement=placement, kind=ShiftKind.ACTUAL).count() == 2


@pytest.fixture
def night_violation(placement):
    start = datetime.datetime(2026, 9, 8, 21, 0, tzinfo=SH)
    shifts_enter(
        actor=None,
        placement=placement,
        kind=ShiftKind.ACTUAL,
        spans=[(start, start + datetime.timedelta(hours=3))],
    )
    return Violation.objects.get(placement=placement, rule_code="NIGHT_WORK")


def test_violations_inbox_acknowledge_then_resolve_with_a_note(client, placement, night_violation):
    # given
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    client.force_login(coordinator)
    inbox = client.get("/school/violations/", {"rule_code": "NIGHT_WORK"})
    assert [v.pk for v in inbox.context["page"]] == [night_violation.pk]
    assert "夜间" in inbox.context["page"][0].text
    # when
    client.post(f"/violations/{night_violation.pk}/acknowledge", HTTP_HX_REQUEST="true")
    refused = client.post(f"/violations/{night_violation.pk}/resolve", {"note": " "}, HTTP_HX_REQUEST="true")
    resolved = client.post(
        f"/violations/{night_violation.pk}/resolve", {"note": "已与企业调整排班"}, HTTP_HX_REQUEST="true"
    )
    # then
    assert "请说明处理方式" in refused.content.decode()
    assert resolved.status_code == 200
    night_violation.refresh_from_db()
    assert night_violation.status == ViolationStatus.RESOLVED and night_violation.note == "已与企业调整排班"
    assert list(client.get("/school/violations/", {"rule_code": "NIGHT_WORK"}).context["page"]) == []


def test_dashboards_count_open_violations_by_rule_and_company(client, placement, night_violation):
    client.force_login(CoordinatorFactory(school=placement.pilot.school))
    series = client.get("/school/").context["violations"]
    counts = dict(zip(series.keys, series.values, strict=True))
    assert counts["NIGHT_WORK"] == 1
    from tests.factories.accounts import BureauFactory

    client.force_login(BureauFactory())
    page = client.get("/bureau/")
    assert page.context["violations_by_company"].labels == [placement.post.company.name]
    assert page.context["violations_by_company"].total == Violation.objects.filter(status="open").count()
    text = client.get("/bureau/export/violations-by-rule.csv").content.decode("utf-8-sig")
    assert "夜班" in text


def test_other_tenants_cannot_see_or_act_on_a_violation(client, placement, night_violation):
    client.force_login(CoordinatorFactory())
    assert list(client.get("/school/violations/").context["page"]) == []
    assert client.post(f"/violations/{night_violation.pk}/resolve", {"note": "x"}).status_code == 404
    client.force_login(HrFactory())
    assert client.post(f"/violations/{night_violation.pk}/acknowledge").status_code == 404
    night_violation.refresh_from_db()
    assert night_violation.status == ViolationStatus.OPEN


def test_student_confirms_one_shift_and_disputes_another(client, placement):
    start = datetime.datetime(2026, 9, 7, 9, 0, tzinfo=SH)
    first, second = shifts_enter(
        actor=None,
        placement=placement,
        kind=ShiftKind.ACTUAL,
        spans=[
            (start, start + datetime.timedelta(hours=8)),
            (start + datetime.timedelta(days=1), start + datetime.timedelta(days=1, hours=8)),
        ],
    )
    client.force_login(StudentUserFactory(student=placement.student, school=placement.student.school))
    assert len(client.get("/me/shifts/").context["shifts"]) == 2
    client.post(f"/me/shifts/{first.pk}/attest", {"confirmed": "1"}, HTTP_HX_REQUEST="true")
    refused = client.post(f"/me/shifts/{second.pk}/attest", {"confirmed": "0"}, HTTP_HX_REQUEST="true")
    assert "请说明原因" in refused.content.decode()
    client.post(f"/me/shifts/{second.pk}/attest", {"confirmed": "0", "note": "实际 18:00 才下班"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attestation, second.attestation) == ("confirmed", "disputed")
    client.force_login(StudentUserFactory())
    assert client.post(f"/me/shifts/{first.pk}/attest", {"confirmed": "0", "note": "x"}).status_code == 404
