"""The portal's pages through Django's test client: each role's landing page, lists, forms, exports, isolation."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from backend.companies.models import Mentor, Post
from backend.core.ids import compose_resident_id
from backend.notices.services import notice_send
from backend.placements.models import PlacementStatus
from backend.schools.models import Student
from tests.factories.accounts import (
    BureauFactory,
    CoordinatorFactory,
    GuardianUserFactory,
    HrFactory,
    MentorUserFactory,
    StudentUserFactory,
)
from tests.factories.companies import PostFactory
from tests.factories.placements import PlacementFactory
from tests.factories.schools import CohortFactory, GuardianFactory, ProgramFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def placement():
    return PlacementFactory()


def coordinator_of(placement):
    return CoordinatorFactory(school=placement.pilot.school)


def hr_of(placement):
    return HrFactory(company=placement.post.company)


@pytest.mark.parametrize(
    ("make_user", "landing"),
    [
        (lambda p: coordinator_of(p), "/school/"),
        (lambda p: hr_of(p), "/company/"),
        (lambda p: BureauFactory(), "/bureau/"),
        (lambda p: StudentUserFactory(student=p.student, school=p.student.school), "/me/"),
        (lambda p: GuardianUserFactory(guardian=GuardianFactory(student=p.student)), "/me/"),
        (lambda p: MentorUserFactory(mentor=p.mentor), "/me/"),
    ],
    ids=["coordinator", "hr", "bureau", "student", "guardian", "mentor"],
)
def test_each_role_logs_in_and_lands_on_its_dashboard(client, placement, make_user, landing):
    # given
    user = make_user(placement)
    # when
    response = client.post(reverse("login"), {"username": user.username, "password": "pass-1234"})
    # then
    assert response.status_code == 302 and response["Location"] == landing
    page = client.get(landing)
    assert page.status_code == 200
    assert client.get("/").headers["Location"] == landing


def test_wrong_password_shows_the_error_and_stays_logged_out(client, placement):
    user = coordinator_of(placement)
    response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert client.get("/school/").status_code == 302


def test_a_role_cannot_open_another_roles_pages(client, placement):
    client.force_login(hr_of(placement))
    assert client.get("/school/").status_code == 403
    assert client.get("/bureau/").status_code == 403
    client.force_login(coordinator_of(placement))
    assert client.get("/company/").status_code == 403


def test_coordinator_dashboard_counts_placements_by_status_and_says_when_features_are_missing(client):
    # given two placements of one school, one signing, and one of another school
    first = PlacementFactory()
    PlacementFactory(pilot=first.pilot, status=PlacementStatus.SIGNING)
    PlacementFactory()
    client.force_login(coordinator_of(first))
    # when
    response = client.get("/school/")
    # then
    series = response.context["placements"]
    counts = dict(zip(series.keys, series.values, strict=True))
    assert counts["proposed"] == 1 and counts["signing"] == 1 and series.total == 2
    assert 'id="chart-placements-data"' in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/school/",
        "/school/students/",
        "/school/students/?q=王&sex=M",
        "/school/cohorts/",
        "/school/programs/",
        "/school/pilots/",
        "/school/placements/?status=proposed",
        "/school/roster/",
    ],
)
def test_coordinator_pages_render(client, placement, url):
    client.force_login(coordinator_of(placement))
    assert client.get(url).status_code == 200


def test_student_search_and_filters_narrow_the_list(client):
    # given
    program = ProgramFactory(name="机电一体化")
    cohort = CohortFactory(program=program, entry_year=2025)
    StudentFactory(cohort=cohort, name="王小明")
    StudentFactory(cohort=cohort, name="李华")
    other = CohortFactory(program=ProgramFactory(school=program.school), entry_year=2024)
    StudentFactory(cohort=other, name="王大力")
    client.force_login(CoordinatorFactory(school=program.school))
    # when
    by_name = client.get("/school/students/", {"q": "王"}).context["page"]
    by_cohort = client.get("/school/students/", {"q": "王", "cohort": cohort.pk}).context["page"]
    # then
    assert {s.name for s in by_name} == {"王小明", "王大力"}
    assert [s.name for s in by_cohort] == ["王小明"]


def test_another_tenants_objects_answer_404(client):
    # given a placement of school A / company X and a coordinator and HR of school B / company Y
    theirs = PlacementFactory()
    mine = PlacementFactory()
    client.force_login(coordinator_of(mine))
    # then
    assert client.get(f"/school/students/{theirs.student.pk}/").status_code == 404
    assert client.get(f"/school/placements/{theirs.pk}/").status_code == 404
    assert client.get(f"/school/pilots/{theirs.pilot.pk}/").status_code == 404
    assert client.get(f"/school/students/{mine.student.pk}/").status_code == 200
    client.force_login(hr_of(mine))
    assert client.get(f"/company/placements/{theirs.pk}/").status_code == 404
    assert client.get(f"/company/posts/{theirs.post.pk}/").status_code == 404
    assert client.get(f"/company/mentors/{theirs.mentor.pk}/").status_code == 404
    assert client.get(f"/company/placements/{mine.pk}/").status_code == 200
    client.force_login(StudentUserFactory(student=mine.student, school=mine.student.school))
    assert client.get(f"/me/placements/{theirs.pk}/").status_code == 404
    assert client.get(f"/me/placements/{mine.pk}/").status_code == 200


def test_lists_show_only_the_own_tenants_rows(client):
    theirs = PlacementFactory()
    mine = PlacementFactory()
    client.force_login(coordinator_of(mine))
    students = client.get("/school/students/").context["page"]
    assert [s.pk for s in students] == [mine.student.pk]
    client.force_login(hr_of(mine))
    posts = client.get("/company/posts/").context["page"]
    assert theirs.post.pk not in [p.pk for p in posts]


def _roster(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号", "专业", "入学年份", "监护人姓名", "监护人电话", "关系"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_roster_upload_previews_row_errors_and_writes_nothing(client):
    # given
    program = ProgramFactory(name="数控技术应用")
    client.force_login(CoordinatorFactory(school=program.school))
    good = compose_resident_id("110105", datetime.date(2009, 3, 1), 11)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    content = _roster(
        [
            ["张三", good, "数控技术应用", "2025", "张父", "13800000001", "父亲"],
            ["李四", bad, "数控技术应用", "2025", "李母", "13800000002", "母亲"],
        ]
    )
    upload = io.BytesIO(content)
    upload.name = "roster.csv"
    # when
    response = client.post("/school/roster/", {"file": upload})
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "身份证号码校验位错误" in body and 'data-testid="roster-confirm"' not in body
    errors = response.context["preview"].errors
    assert [(e.row, e.code) for e in errors] == [(3, "ID_CHECK_DIGIT")]
    assert not Student.objects.exists()


def test_roster_confirm_imports_the_previewed_file(client):
    # given
    program = ProgramFactory(name="数控技术应用")
    client.force_login(CoordinatorFactory(school=program.school))
    rid = compose_resident_id("110105", datetime.date(2009, 3, 1), 11)
    upload = io.BytesIO(_roster([["张三", rid, "数控技术应用", "2025", "张父", "13800000001", "父亲"]]))
    upload.name = "roster.csv"
    preview = client.post("/school/roster/", {"file": upload}).context["preview"]
    assert not Student.objects.exists()
    # when
    response = client.post("/school/roster/confirm/", {"sha256": preview.sha256}, follow=True)
    # then
    assert response.redirect_chain[-1][0] == "/school/students/"
    student = Student.objects.get()
    assert student.name == "张三" and student.school == program.school and student.guardians.count() == 1


def test_roster_confirm_without_a_matching_preview_imports_nothing(client):
    program = ProgramFactory()
    client.force_login(CoordinatorFactory(school=program.school))
    response = client.post("/school/roster/confirm/", {"sha256": "0" * 64})
    assert response.status_code == 302 and not Student.objects.exists()


def test_hr_creates_a_post_and_a_mentor_for_its_own_company(client):
    # given
    hr = HrFactory()
    client.force_login(hr)
    # when
    response = client.post(
        "/company/posts/new/",
        {
            "title": "钳工",
            "description": "",
            "location": "车间一",
            "capacity": 4,
            "staff_on_post": 30,
            "hazard_tags": ["noise"],
            "monthly_wage": "5200.00",
        },
    )
    # then
    assert response.status_code == 302
    post = Post.objects.get(title="钳工")
    assert post.company == hr.company and post.hazard_tags == ["noise"]
    response = client.post(
        "/company/mentors/new/",
        {"name": "周师傅", "phone": "13700000000", "post": post.pk, "title": "技师", "years_experience": 9},
    )
    assert response.status_code == 302
    assert Mentor.objects.get(name="周师傅").company == hr.company


def test_hr_cannot_attach_a_mentor_to_another_companys_post(client):
    hr = HrFactory()
    foreign = PostFactory()
    client.force_login(hr)
    response = client.post(
        "/company/mentors/new/", {"name": "周师傅", "post": foreign.pk, "years_experience": 1}
    )
    assert response.status_code == 200 and "post" in response.context["form"].errors
    assert not Mentor.objects.filter(name="周师傅").exists()


def test_hr_profile_refuses_a_bad_credit_code_and_keeps_the_old_one(client):
    hr = HrFactory()
    old = hr.company.credit_code
    client.force_login(hr)
    data = {
        "name": hr.company.name,
        "credit_code": old[:-1] + ("0" if old[-1] != "0" else "1"),
        "staff_count": 500,
        "annual_revenue": "1.00",
    }
    response = client.post("/company/profile/", data)
    assert response.status_code == 200 and response.context["form"].errors
    hr.company.refresh_from_db()
    assert hr.company.credit_code == old


def test_hr_pages_render(client, placement):
    client.force_login(hr_of(placement))
    for url in [
        "/company/",
        "/company/profile/",
        "/company/profile/?edit=1",
        "/company/posts/",
        "/company/mentors/",
        "/company/placements/",
        "/company/posts/new/",
        f"/company/mentors/{placement.mentor.pk}/",
    ]:
        assert client.get(url).status_code == 200, url


def test_bureau_sees_every_school_and_exports_csv_and_xlsx(client):
    # given
    a = PlacementFactory()
    PlacementFactory(pilot=a.pilot, status=PlacementStatus.ACTIVE)
    b = PlacementFactory()
    client.force_login(BureauFactory())
    # when
    page = client.get("/bureau/")
    csv_response = client.get("/bureau/export/placements.csv")
    xlsx_response = client.get("/bureau/export/placements.xlsx")
    # then
    rows = {r["school"]: r["total"] for r in page.context["by_school"]}
    assert rows == {a.pilot.school.name: 2, b.pilot.school.name: 1}
    text = csv_response.content.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0][0] == "学校" and {r[0] for r in parsed[1:]} == set(rows)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet.max_row == 3
    assert client.get("/bureau/export/nothing.csv").status_code == 404


def test_bureau_exports_are_closed_to_other_roles(client, placement):
    client.force_login(coordinator_of(placement))
    assert client.get("/bureau/export/placements.csv").status_code == 403


def test_student_sees_own_placement_and_marks_a_notice_read(client, placement):
    user = StudentUserFactory(student=placement.student, school=placement.student.school)
    other = StudentUserFactory()
    [mine] = notice_send(recipients=[user], kind="info", title="本月通报")
    [theirs] = notice_send(recipients=[other], kind="info", title="别人的通报")
    client.force_login(user)
    page = client.get("/me/")
    assert list(page.context["placements"]) == [placement]
    assert "本月通报" in page.content.decode() and "别人的通报" not in page.content.decode()
    assert client.post(f"/me/notices/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/me/notices/{mine.pk}/read/", HTTP_HX_REQUEST="true").status_code == 200
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_language_switch_serves_english(client, placement):
    client.force_login(coordinator_of(placement))
    client.post("/i18n/setlang/", {"language": "en", "next": "/school/"})
    assert "Overview" in client.get("/school/").content.decode()


@pytest.mark.parametrize(
    "url", ["/school/students/", "/school/placements/", "/school/pilots/", "/school/cohorts/"]
)
def test_list_pages_run_the_same_queries_for_few_and_many_rows(client, django_assert_max_num_queries, url):
    # given a school with one placement; count the queries of its list page
    first = PlacementFactory()
    client.force_login(coordinator_of(first))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    # when the school gets ten more placements
    for _ in range(10):
        PlacementFactory(pilot=first.pilot)
    # then the page needs no more queries than before
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_chinese_is_the_default_whatever_the_browser_asks_for(client, placement):
    client.force_login(coordinator_of(placement))
    page = client.get("/school/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "概览" in page.content.decode() and "Overview" not in page.content.decode()
