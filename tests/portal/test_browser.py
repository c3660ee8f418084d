"""The portal in a real browser (Chromium through Playwright) against a live server."""

import csv
import datetime
import io

import pytest

from backend.core.ids import compose_resident_id
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
from tests.factories.placements import PlacementFactory
from tests.factories.schools import GuardianFactory, ProgramFactory
from tests.portal.conftest import PHONE, screenshot
from tests.signing.pad import draw_signature

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    """Two placements of one school and company, one of another; one user per role."""
    first = PlacementFactory(status=PlacementStatus.ACTIVE)
    PlacementFactory(pilot=first.pilot, post=first.post, mentor=first.mentor)
    foreign = PlacementFactory()
    return {
        "placement": first,
        "foreign": foreign,
        "coordinator": CoordinatorFactory(school=first.pilot.school, display_name="李老师"),
        "hr": HrFactory(company=first.post.company, display_name="王经理"),
        "bureau": BureauFactory(display_name="教育局张科长"),
        "student": StudentUserFactory(student=first.student, school=first.student.school),
        "guardian": GuardianUserFactory(guardian=GuardianFactory(student=first.student)),
        "mentor": MentorUserFactory(mentor=first.mentor),
    }


@pytest.mark.parametrize(
    ("role", "path", "heading"),
    [
        ("coordinator", "/school/", "概览"),
        ("hr", "/company/", "概览"),
        ("bureau", "/bureau/", "全区概览"),
        ("student", "/me/", "你好"),
        ("guardian", "/me/", "你好"),
        ("mentor", "/me/", "你好"),
    ],
)
def test_each_role_logs_in_to_its_dashboard(world, live_server, new_page, login, role, path, heading):
    # given
    phone_sized = role in ("student", "guardian")
    page = new_page(viewport=PHONE if phone_sized else None)
    # when
    login(page, world[role])
    # then
    assert page.url == f"{live_server.url}{path}"
    assert heading in page.locator("h1").inner_text()
    if role in ("coordinator", "hr", "bureau"):
        page.wait_for_selector("canvas[data-drawn]")  # Chart.js drew the placements chart
    screenshot(page, f"dashboard-{role}")


def test_logout_returns_to_the_login_page(world, live_server, new_page, login):
    page = login(new_page(), world["hr"])
    with page.expect_navigation():
        page.click("form.logout button")
    assert page.url == f"{live_server.url}/accounts/login/"
    page.goto(f"{live_server.url}/company/")
    assert "/accounts/login/" in page.url


def _roster_csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号", "专业", "入学年份", "监护人姓名", "监护人电话", "关系"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_roster_import_shows_the_bad_row_then_imports_the_corrected_file(live_server, new_page, login):
    # given a roster with one bad row (wrong check digit)
    program = ProgramFactory(name="数控技术应用")
    coordinator = CoordinatorFactory(school=program.school)
    ids = [compose_resident_id("110105", datetime.date(2009, 3, d), d) for d in (1, 2, 3)]
    bad = ids[1][:-1] + ("0" if ids[1][-1] != "0" else "1")
    rows = [
        ["张三", ids[0], "数控技术应用", "2025", "张父", "13800000001", "父亲"],
        ["李四", bad, "数控技术应用", "2025", "李母", "13800000002", "母亲"],
        ["王五", ids[2], "数控技术应用", "2025", "王父", "13800000003", "父亲"],
    ]
    page = login(new_page(), coordinator)
    page.click("nav.sections >> text=导入花名册")
    # when
    page.set_input_files(
        "input[type=file]", {"name": "roster.csv", "mimeType": "text/csv", "buffer": _roster_csv(rows)}
    )
    page.click("text=上传并预览")
    # then the row and its reason are shown and nothing is written
    errors = page.locator("tr.row-error")
    assert errors.count() == 1
    assert errors.first.locator("td").first.inner_text() == "3"
    assert "身份证号码校验位错误" in errors.first.inner_text()
    assert page.locator("[data-testid=roster-confirm]").count() == 0
    screenshot(page, "roster-errors")
    assert not Student.objects.exists()

    # when the corrected file is uploaded and confirmed
    rows[1][1] = ids[1]
    page.set_input_files(
        "input[type=file]", {"name": "roster.csv", "mimeType": "text/csv", "buffer": _roster_csv(rows)}
    )
    page.click("text=上传并预览")
    with page.expect_navigation():
        page.click("[data-testid=roster-confirm]")
    # then
    assert page.url.endswith("/school/students/")
    assert "已导入 3 名学生" in page.content()
    assert Student.objects.filter(school=program.school).count() == 3
    screenshot(page, "students")


def test_student_search_updates_the_list_in_place(world, live_server, new_page, login):
    # given
    page = login(new_page(), world["coordinator"])
    page.goto(f"{live_server.url}/school/students/")
    name = world["placement"].student.name
    rows_before = page.locator("#results tbody tr").count()
    assert rows_before == 2
    # when
    page.fill("input[name=q]", name)
    # (no wait_for_function: its string is evaluated with eval, which the Content-Security-Policy refuses)
    page.wait_for_selector("#results tbody tr:nth-child(2)", state="detached")
    assert page.locator("#results tbody tr").count() == 1
    # then: the URL follows the search (htmx push) and the row is the student
    assert "q=" in page.url
    assert name in page.locator("#results tbody").inner_text()


def test_language_switch_turns_the_portal_english_and_back(world, live_server, new_page, login):
    # given
    page = login(new_page(), world["coordinator"])
    assert "概览" in page.locator("h1").inner_text()
    # when
    with page.expect_navigation():
        page.select_option("[data-testid=language]", "en")
    # then
    assert "Overview" in page.locator("h1").inner_text()
    assert "Placements by status" in page.content()
    screenshot(page, "dashboard-coordinator-en")
    with page.expect_navigation():
        page.select_option("[data-testid=language]", "zh-hans")
    assert "概览" in page.locator("h1").inner_text()


def test_another_tenants_object_answers_404_in_the_browser(world, live_server, new_page, login):
    page = login(new_page(), world["coordinator"])
    foreign = world["foreign"]
    for url in (f"/school/students/{foreign.student.pk}/", f"/school/placements/{foreign.pk}/"):
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 404, url
    own = page.goto(f"{live_server.url}/school/placements/{world['placement'].pk}/")
    assert own.status == 200
    screenshot(page, "placement-detail")
    hr_page = login(new_page(), world["hr"])
    assert hr_page.goto(f"{live_server.url}/company/placements/{foreign.pk}/").status == 404


def test_bureau_dashboard_and_export_download(world, live_server, new_page, login):
    page = login(new_page(), world["bureau"])
    table = page.locator("[data-testid=by-school]").inner_text()
    assert world["placement"].pilot.school.name in table and world["foreign"].pilot.school.name in table
    with page.expect_download() as download:
        page.click("[data-testid=export-placements-xlsx]")
    assert download.value.suggested_filename.endswith(".xlsx")
    screenshot(page, "bureau")


def test_main_pages_on_a_phone(world, live_server, new_page, login):
    page = login(new_page(viewport=PHONE), world["hr"])
    for path, name in (
        ("/company/posts/", "hr-posts"),
        ("/company/mentors/", "hr-mentors"),
        ("/company/placements/", "hr-placements"),
        ("/company/profile/", "hr-profile"),
    ):
        page.goto(f"{live_server.url}{path}")
        # nothing wider than the phone: the tables scroll inside their own box
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, f"phone-{name}")


def test_fact_lists_wrap_long_values_on_a_phone_in_english(world, live_server, new_page, login):
    """English labels are wider than Chinese ones ("Apprentice's monthly pay (yuan)"): the value column beside
    them still wraps a phone number or a credit code inside the phone's width."""
    # given a placement whose teacher has a phone number, seen in English on a 390-wide phone
    placement = world["placement"]
    placement.supervising_teacher, placement.supervising_teacher_phone = "王老师", "13900009901"
    placement.save(update_fields=["supervising_teacher", "supervising_teacher_phone"])
    pages = {
        "coordinator": [f"/school/placements/{placement.pk}/", f"/school/students/{placement.student.pk}/"],
        "hr": ["/company/profile/", f"/company/placements/{placement.pk}/"],
        "student": [f"/me/placements/{placement.pk}/"],
    }
    for role, paths in pages.items():
        page = login(new_page(viewport=PHONE), world[role])
        with page.expect_navigation():
            page.select_option("[data-testid=language]", "en")
        for path in paths:
            # when
            page.goto(f"{live_server.url}{path}")
            # then nothing is wider than the phone
            assert page.locator("dl.facts").count() >= 1, path
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (role, path)
            screenshot(page, f"phone-facts-{role}-{path.strip('/').replace('/', '-')}")


@pytest.fixture
def four_party(settings, live_server, tmp_path):
    """A four-party agreement (student 17 on the start date) sent for signing; links point at the live server."""
    from django.utils import timezone

    from backend.signing import sms
    from backend.signing.services import signing_send
    from contracts.sealing import create_dev_certificate
    from tests.factories.schools import birth_date_for_age
    from tests.signing.helpers import make_agreement_revision

    cert = create_dev_certificate(tmp_path, passphrase="portal-tests")
    settings.XUETU_SMS_BACKEND = "backend.signing.sms.LocmemSmsBackend"
    settings.XUETU_PUBLIC_URL = live_server.url
    settings.XUETU_SEALING_PKCS12 = str(cert.pkcs12_path)
    settings.XUETU_SEALING_PASSPHRASE = "portal-tests"
    sms.outbox.clear()
    start = datetime.date(2026, 9, 1)
    placement = PlacementFactory(
        student__name="李小明",
        student__phone="13900001111",
        student__birth=birth_date_for_age(17, start),
        start_date=start,
    )
    guardian = GuardianFactory(student=placement.student, name="李建国", phone="13811112222", is_primary=True)
    hr = HrFactory(company=placement.post.company, display_name="王芳", phone="13700001111")
    coordinator = CoordinatorFactory(
        school=placement.pilot.school, display_name="陈老师", phone="13600002222"
    )
    revision = make_agreement_revision(placement, four_party=True)
    envelope = signing_send(actor=coordinator, revision=revision, now=timezone.now())
    yield {
        "placement": placement,
        "guardian": guardian,
        "hr": hr,
        "coordinator": coordinator,
        "envelope": envelope,
    }
    sms.outbox.clear()


def _sign_on_the_page(page, phone, name, shot):
    from tests.signing.conftest import last_code

    page.wait_for_selector("[data-testid=agreement-pages] img")
    assert page.evaluate("document.querySelector('[data-testid=agreement-pages] img').naturalWidth") > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    page.click("[data-testid=send-code]")
    page.wait_for_selector("[data-testid=code-sent]")
    screenshot(page, f"{shot}-read")
    page.fill("[data-testid=sign-form] input[name=code]", last_code(phone))
    page.fill("[data-testid=sign-form] input[name=typed_name]", name)
    draw_signature(page)  # the handwritten signature: the page does not submit with an empty pad
    page.check("[data-testid=sign-form] input[name=agreed]")
    page.click("[data-testid=sign]")
    page.wait_for_selector("[data-testid=signing-done]")
    screenshot(page, f"{shot}-done")


def test_four_party_agreement_is_signed_by_every_party_on_a_phone(four_party, live_server, new_page, login):
    from backend.signing.models import EnvelopeStatus, RequestStatus
    from tests.signing.conftest import last_link

    envelope = four_party["envelope"]
    # the student, then the guardian: from the link in their text message, no login
    for phone, name, shot in (
        ("13900001111", "李小明", "sign-student"),
        ("13811112222", "李建国", "sign-guardian"),
    ):
        request_id, token = last_link(phone)
        page = new_page(viewport=PHONE)
        page.goto(f"{live_server.url}/sign/{request_id}/{token}")
        _sign_on_the_page(page, phone, name, shot)
        # the link is spent: opening it again explains why
        page.goto(f"{live_server.url}/sign/{request_id}/{token}")
        assert page.locator("[data-testid=signing-refused]").count() == 1
    # the company (HR) and the school (coordinator): from their accounts, through the notice's link
    for user, shot in ((four_party["hr"], "sign-company"), (four_party["coordinator"], "sign-school")):
        page = login(new_page(viewport=PHONE), user)
        notice = user.notices.filter(kind="signing_request").latest("created_at")
        page.goto(f"{live_server.url}{notice.link}")
        _sign_on_the_page(page, user.phone, user.display_name, shot)
    # then every party signed, in order, and the envelope is complete (sealing is queued for the worker)
    envelope.refresh_from_db()
    assert envelope.status in (EnvelopeStatus.COMPLETED, EnvelopeStatus.SEALED)
    assert [r.status for r in envelope.requests.order_by("position")] == [RequestStatus.SIGNED] * 4
    assert [r.signature.typed_name for r in envelope.requests.order_by("position")] == [
        "李小明",
        "李建国",
        "王芳",
        "陈老师",
    ]


def test_a_wrong_code_is_refused_on_the_page_and_the_guardian_cannot_sign_before_the_student(
    four_party, live_server, new_page
):
    from tests.signing.conftest import last_link

    page = new_page(viewport=PHONE)
    request_id, token = last_link("13900001111")
    page.goto(f"{live_server.url}/sign/{request_id}/{token}")
    page.click("[data-testid=send-code]")
    page.wait_for_selector("[data-testid=code-sent]")
    page.fill("[data-testid=sign-form] input[name=code]", "000000")
    page.fill("[data-testid=sign-form] input[name=typed_name]", "李小明")
    draw_signature(page)
    page.check("[data-testid=sign-form] input[name=agreed]")
    page.click("[data-testid=sign]")
    page.wait_for_selector("[data-testid=sign-error]")
    assert "验证码错误" in page.locator("[data-testid=sign-error]").inner_text()
    # the page keeps its place: the error is on screen, right below the code field, and the consent box is as it was
    assert page.evaluate("window.scrollY") > 0
    box = page.locator("[data-testid=sign-error]").bounding_box()
    assert box is not None and 0 <= box["y"] < PHONE["height"]
    assert (
        page.evaluate(
            "document.querySelector('[data-testid=sign-form] input[name=code]').closest('label').nextElementSibling"
            ".dataset.testid"
        )
        == "sign-error"
    )
    assert page.is_checked("[data-testid=sign-form] input[name=agreed]")
    assert page.input_value("[data-testid=sign-form] input[name=typed_name]") == "李小明"
    screenshot(page, "sign-wrong-code")
    # a made-up token opens nothing
    response = page.goto(f"{live_server.url}/sign/{request_id}/not-a-real-token")
    assert response.status == 404


def test_declining_with_a_reason_stops_the_agreement(four_party, live_server, new_page):
    from backend.signing.models import EnvelopeStatus
    from tests.signing.conftest import last_code, last_link

    page = new_page(viewport=PHONE)
    request_id, token = last_link("13900001111")
    page.goto(f"{live_server.url}/sign/{request_id}/{token}")
    page.click("[data-testid=send-code]")
    page.wait_for_selector("[data-testid=code-sent]")
    page.click("text=不同意？拒绝签署")
    page.fill("[data-testid=decline-form] input[name=code]", last_code("13900001111"))
    page.fill("[data-testid=decline-form] textarea[name=reason]", "岗位离家太远")
    page.click("[data-testid=decline]")
    page.wait_for_selector("[data-testid=signing-done]")
    four_party["envelope"].refresh_from_db()
    assert four_party["envelope"].status == EnvelopeStatus.DECLINED
    assert four_party["envelope"].declined_reason == "岗位离家太远"


@pytest.mark.worker
@pytest.mark.libreoffice
def test_generate_a_cohorts_agreements_and_watch_the_progress_bar_finish(
    celery_worker, live_server, new_page, login
):
    from backend.agreements.models import Agreement
    from tests.factories.agreements import complete_placement

    # given three placements of one cohort, ready for their agreements
    first = complete_placement()
    for _ in range(2):
        complete_placement(pilot=first.pilot, student__cohort=first.student.cohort)
    coordinator = CoordinatorFactory(school=first.pilot.school)
    page = login(new_page(), coordinator)
    # when the coordinator generates the cohort's agreements
    page.click("nav.sections >> text=协议")
    page.select_option("[data-testid=batch-cohort]", str(first.student.cohort.pk))
    page.click("[data-testid=batch-generate]")
    page.wait_for_selector("[data-testid=batch-bar]")
    screenshot(page, "agreements-batch-running")
    # then the bar fills as the worker converts them, and the ZIP is offered at the end
    page.wait_for_selector("[data-testid=batch-finished]", timeout=240_000)
    bar = page.locator("[data-testid=batch-bar]")
    assert bar.get_attribute("value") == bar.get_attribute("max") == "3"
    assert page.locator("[data-testid=batch-zip]").count() == 1
    screenshot(page, "agreements-batch-finished")
    assert Agreement.objects.filter(placement__student__cohort=first.student.cohort).count() == 3
    with page.expect_navigation():
        page.click("text=查看协议")
    assert page.locator("#results tbody tr").count() == 3
    screenshot(page, "agreements-list")


def test_a_night_shift_is_refused_on_the_spot(live_server, new_page, login):
    from backend.rules.models import Shift

    # given an active apprentice and the company's HR
    placement = PlacementFactory(status=PlacementStatus.ACTIVE)
    hr = HrFactory(company=placement.post.company)
    page = login(new_page(), hr)
    page.click("nav.sections >> text=排班")
    page.click("[data-testid=shift-week-link]")
    page.goto(f"{live_server.url}/company/shifts/{placement.pk}/?week=2026-09-07")
    # when HR plans Tuesday 22:00 to 02:00
    page.fill("input[name=start_2]", "22:00")
    page.fill("input[name=end_2]", "02:00")
    page.click("[data-testid=shift-submit]")
    # then the grid says why, in place, and the row is marked
    refusal = page.wait_for_selector("[data-testid=shift-refused]")
    assert "NIGHT_WORK" in refusal.inner_text() and "夜间" in refusal.inner_text()
    assert page.locator("tr.row-refused[data-day='2']").count() == 1
    assert page.url.endswith("?week=2026-09-07")  # no page load: htmx swapped the grid
    screenshot(page, "shift-night-refused")
    assert not Shift.objects.filter(placement=placement).exists()
    # and a lawful day goes in
    page.fill("input[name=start_2]", "09:00")
    page.fill("input[name=end_2]", "17:00")
    page.click("[data-testid=shift-submit]")
    page.wait_for_selector("[data-testid=shift-saved]")
    assert Shift.objects.filter(placement=placement).count() == 1
    screenshot(page, "shift-grid")


@pytest.mark.worker
def test_run_a_matching_watch_it_finish_and_accept(celery_worker, live_server, new_page, login):
    from backend.matching.models import Proposal, ProposalStatus
    from backend.placements.models import Placement
    from tests.matching.world import make_world, prefer

    # given three students who all want post A first (one seat) and B second
    world = make_world(n_students=3, post_capacities=(1, 5))
    a, b = world.posts
    for student in world.students:
        prefer(world, student, a, b)
    page = login(new_page(), world.coordinator)
    page.click("nav.sections >> text=匹配")
    # when the coordinator runs the matching on the worker
    page.fill("input[name=start_date]", "2026-09-01")
    page.fill("input[name=end_date]", "2027-01-31")
    page.click("[data-testid=match-start]")
    # then the page follows the run and shows the explained proposals when it is done
    page.wait_for_selector("[data-testid=run-done]", timeout=120_000)
    assert page.locator("[data-testid=audit-ok]").count() == 1
    assert page.locator("[data-testid=proposal]").count() == 3
    assert "第 1 志愿" in page.locator("[data-testid=proposals]").inner_text()  # why the others did not get A
    screenshot(page, "matching-proposals")
    # and accepting turns them into proposed placements
    with page.expect_navigation():
        page.click("[data-testid=accept-all]")
    assert Placement.objects.filter(pilot=world.pilot).count() == 3
    assert Proposal.objects.filter(status=ProposalStatus.ACCEPTED).count() == 3
    screenshot(page, "matching-accepted")
