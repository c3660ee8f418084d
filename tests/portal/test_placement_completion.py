"""Completing placements for their agreements: one by one, a teacher for many at once, the insurer's policy list;
each placement shows what it still lacks, with a link to fix it."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from backend.core.models import AuditEvent
from backend.placements.models import InsuranceKind, InsurancePolicy, PlacementStage, PlacementStatus
from backend.portal.completeness import FIELDS, agreement_missing
from backend.portal.policy_import import policy_rows
from tests.factories.accounts import CoordinatorFactory
from tests.factories.placements import InsurancePolicyFactory, PlacementFactory, PlacementStageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bare():
    """Two proposed placements of one school with neither teacher, stages nor insurance."""
    first = PlacementFactory(
        supervising_teacher="", supervising_teacher_phone="", student__student_number="S001"
    )
    second = PlacementFactory(
        pilot=first.pilot,
        post=first.post,
        mentor=first.mentor,
        supervising_teacher="",
        student__cohort=first.student.cohort,
        student__student_number="S002",
    )
    return {"placements": [first, second], "coordinator": CoordinatorFactory(school=first.pilot.school)}


def _complete(placement):
    placement.supervising_teacher = "李老师"
    placement.save()
    PlacementStageFactory(placement=placement)
    for kind in InsuranceKind:
        InsurancePolicyFactory(placement=placement, kind=kind)


def test_every_field_the_agreement_can_miss_has_a_label_and_a_place_to_fix_it():
    from backend.agreements.context import LABELS

    assert set(FIELDS) == set(LABELS)


def test_the_list_shows_what_each_placement_lacks_with_links_to_fix_it(client, bare):
    first, second = bare["placements"]
    _complete(second)
    client.force_login(bare["coordinator"])
    # when the coordinator opens the placements list
    html = client.get("/school/placements/").content.decode()
    # then the bare one lists what it lacks, each linked to its place on the edit page; the complete one does not
    assert "缺少：" in html
    assert (
        f'href="/school/placements/{first.pk}/edit#teacher" data-field="supervising_teacher">学校指导教师</a>'
        in html
    )
    assert f'href="/school/placements/{first.pk}/edit#stages"' in html
    assert (
        f'href="/school/placements/{first.pk}/edit#insurance" data-field="insurance.work_injury">工伤保险</a>'
        in html
    )
    assert f"/school/placements/{second.pk}/edit#" not in html
    assert [m.field for m in agreement_missing(second)] == []
    # and in English
    client.cookies["django_language"] = "en"
    html = client.get("/school/placements/").content.decode()
    assert "missing: " in html and ">Work-injury insurance</a>" in html and "工伤保险" not in html


def test_the_coordinator_completes_one_placement_on_its_edit_page(client, bare):
    placement = bare["placements"][0]
    client.force_login(bare["coordinator"])
    url = f"/school/placements/{placement.pk}/edit"
    page = client.get(url)
    assert page.status_code == 200 and 'value="2026-09-01"' in page.content.decode()
    # when the teacher, the stages and both policies are saved
    response = client.post(
        url,
        {
            "section": "details",
            "supervising_teacher": "张老师",
            "supervising_teacher_phone": "13600001234",
            "mentor": str(placement.mentor_id),
            "board_and_lodging": "企业宿舍",
            "monthly_pay": "4200.00",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#teacher")
    stages = {
        "section": "stages",
        "stages-TOTAL_FORMS": "2",
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "8",
        "stages-0-name": "岗位认知",
        "stages-0-school_months": "4",
        "stages-0-company_start": "2026-09-01",
        "stages-0-company_end": "2026-10-31",
        "stages-1-name": "岗位实践",
        "stages-1-school_months": "0",
        "stages-1-company_start": "2026-11-01",
        "stages-1-company_end": "2027-01-31",
    }
    assert client.post(url, stages).status_code == 302
    for kind in ("liability", "work_injury"):
        response = client.post(
            url,
            {
                "section": f"insurance-{kind}",
                f"{kind}-insurer": "中国人寿财产保险股份有限公司",
                f"{kind}-policy_number": f"P-{kind}",
                f"{kind}-start_date": "2026-09-01",
                f"{kind}-end_date": "2027-01-31",
                f"{kind}-premium_paid_by": "company",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
    # then the placement has them, each write is audited, and nothing is missing any more
    placement.refresh_from_db()
    assert (placement.supervising_teacher, placement.board_and_lodging) == ("张老师", "企业宿舍")
    assert list(placement.stages.values_list("number", "name")) == [(1, "岗位认知"), (2, "岗位实践")]
    assert set(placement.insurance_policies.values_list("policy_number", flat=True)) == {
        "P-liability",
        "P-work_injury",
    }
    actions = set(AuditEvent.objects.filter(object_id=str(placement.pk)).values_list("action", flat=True))
    assert {"placement.update", "placement.stages_replace", "placement.insurance_set"} <= actions
    assert agreement_missing(placement) == []
    assert 'data-testid="complete"' in client.get(url).content.decode()


def test_a_stage_outside_the_placement_is_refused_and_nothing_is_written(client, bare):
    placement = bare["placements"][0]
    client.force_login(bare["coordinator"])
    response = client.post(
        f"/school/placements/{placement.pk}/edit",
        {
            "section": "stages",
            "stages-TOTAL_FORMS": "1",
            "stages-INITIAL_FORMS": "0",
            "stages-0-name": "岗位认知",
            "stages-0-school_months": "1",
            "stages-0-company_start": "2026-08-01",
            "stages-0-company_end": "2026-10-31",
        },
    )
    assert (
        response.status_code == 400 and "第 1 阶段的在企期间须在岗位安排期间内" in response.content.decode()
    )
    assert PlacementStage.objects.filter(placement=placement).count() == 0


def test_one_teacher_is_assigned_to_many_placements_at_once(client, bare):
    first, second = bare["placements"]
    client.force_login(bare["coordinator"])
    response = client.post(
        "/school/placements/teacher",
        {"placement": [str(first.pk), str(second.pk)], "teacher": "王老师", "phone": "13600009999"},
        follow=True,
    )
    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.supervising_teacher, second.supervising_teacher) == ("王老师", "王老师")
    assert second.supervising_teacher_phone == "13600009999"


def test_assigning_a_teacher_is_all_or_nothing(client, bare):
    first, _ = bare["placements"]
    active = PlacementFactory(
        pilot=first.pilot,
        post=first.post,
        status=PlacementStatus.ACTIVE,
        supervising_teacher="旧老师",
        student__cohort=first.student.cohort,
    )
    client.force_login(bare["coordinator"])
    client.post(
        "/school/placements/teacher", {"placement": [str(first.pk), str(active.pk)], "teacher": "王老师"}
    )
    first.refresh_from_db()
    active.refresh_from_db()
    assert (first.supervising_teacher, active.supervising_teacher) == ("", "旧老师")


def test_another_schools_placements_are_not_touched(client, bare):
    first, _ = bare["placements"]
    client.force_login(CoordinatorFactory())
    assert client.get(f"/school/placements/{first.pk}/edit").status_code == 404
    client.post("/school/placements/teacher", {"placement": [str(first.pk)], "teacher": "外校老师"})
    first.refresh_from_db()
    assert first.supervising_teacher == ""


def _csv(*rows):
    heading = "学号,身份证号,姓名,险种,保险公司,保单号,保险起期,保险止期"
    return ("\n".join([heading, *rows]) + "\n").encode("utf-8")


def test_the_insurers_policy_list_is_imported_in_one_go(client, bare):
    first, second = bare["placements"]
    client.force_login(bare["coordinator"])
    content = _csv(
        "S001,,甲,实习责任保险,人保财险,L-001,2026-09-01,2027-01-31",
        "S001,,甲,工伤保险,人保财险,W-001,2026/9/1,2027/1/31",
        f",{second.student.resident_id},乙,实习责任保险,人保财险,L-002,2026-09-01,2027-01-31",
        "S002,,乙,工伤保险,人保财险,W-002,20260901,20270131",
    )
    upload = io.BytesIO(content)
    upload.name = "保单.csv"
    response = client.post("/school/placements/policies/", {"file": upload})
    assert response.status_code == 302
    assert InsurancePolicy.objects.filter(placement__in=[first, second]).count() == 4
    assert {m.field for m in agreement_missing(first)} == {"supervising_teacher", "stages"}
    assert InsurancePolicy.objects.get(policy_number="W-001").start_date == datetime.date(2026, 9, 1)


def test_one_bad_row_imports_nothing_and_every_error_is_listed_by_row(client, bare):
    other = PlacementFactory(student__student_number="X999")  # another school's student
    client.force_login(bare["coordinator"])
    content = _csv(
        "S001,,甲,实习责任保险,人保财险,L-001,2026-09-01,2027-01-31",
        "S002,,乙,意外险,人保财险,L-002,2026-09-01,2027-01-31",
        "S002,,乙,工伤保险,人保财险,W-002,2026-09-01,明年",
        f"{other.student.student_number},,丙,工伤保险,人保财险,W-003,2026-09-01,2027-01-31",
    )
    upload = io.BytesIO(content)
    upload.name = "保单.csv"
    response = client.post("/school/placements/policies/", {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert InsurancePolicy.objects.count() == 0
    rows = [e["row"] for e in response.context["row_errors"]]
    assert 4 in rows  # the date that is not a date
    upload.seek(0)
    # with the date fixed the service reports the kind and the other school's student, by row
    fixed = content.replace("明年".encode(), b"2027-01-31")
    upload = io.BytesIO(fixed)
    upload.name = "保单.csv"
    response = client.post("/school/placements/policies/", {"file": upload})
    assert sorted(e["row"] for e in response.context["row_errors"]) == [3, 5]
    assert "险种须为" in response.content.decode() and InsurancePolicy.objects.count() == 0
    assert "X999" in response.content.decode() and "丙" not in html


def test_the_template_downloads_and_reads_back(client, bare):
    client.force_login(bare["coordinator"])
    response = client.get("/school/placements/policies/template.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert isinstance(sheet.cell(row=2, column=7).value, datetime.datetime)  # a date cell, not text
    rows, errors = policy_rows(file_name="t.xlsx", content=response.content)
    assert (
        errors == [] and rows[0]["kind"] == "liability" and rows[0]["start_date"] == datetime.date(2026, 9, 1)
    )
    csv_template = client.get("/school/placements/policies/template.csv")
    rows, errors = policy_rows(file_name="t.csv", content=csv_template.content)
    assert errors == [] and rows[1]["kind"] == "work_injury"
