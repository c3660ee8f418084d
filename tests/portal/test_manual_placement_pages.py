"""The coordinator's 手工新增岗位安排 and 调整岗位安排 pages: reached from the placements list and the placement's
page, every gate checked by the placements services, each failing gate shown with its code, nothing written."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.placements.models import Placement, PlacementEvent, PlacementStatus
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.agreements import agreement_rows
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.placements import PlacementFactory
from tests.factories.schools import StudentFactory
from tests.placements.manual_world import give_apprentices, manual_world

pytestmark = pytest.mark.django_db

NEW = "/school/placements/new/"


@pytest.fixture
def world():
    return manual_world()


def _form(world, **overrides):
    data = {
        "student": world["student"].pk,
        "post": world["post"].pk,
        "mentor": world["mentor"].pk,
        "start_date": "2026-09-01",
        "end_date": "2027-01-31",
        "monthly_pay": "4200.00",
    }
    data.update(overrides)
    return {k: str(v) for k, v in data.items()}


def _counts():
    return Placement.objects.count(), PlacementEvent.objects.count()


def test_the_placements_list_links_to_the_new_placement_page(client, world):
    client.force_login(world["coordinator"])
    html = client.get("/school/placements/").content.decode()
    assert f'href="{NEW}"' in html and "手工新增岗位安排" in html


def test_a_placement_created_by_hand_lands_on_its_page_proposed_with_the_event(client, world):
    client.force_login(world["coordinator"])
    page = client.get(NEW)
    assert page.status_code == 200 and "插班生" in page.content.decode()
    # when the coordinator submits the form
    response = client.post(NEW, _form(world))
    # then the placement is proposed and its page shows who created it by hand
    placement = Placement.objects.get(student=world["student"])
    assert response.status_code == 302 and response["Location"] == f"/school/placements/{placement.pk}/"
    assert placement.status == PlacementStatus.PROPOSED
    html = client.get(response["Location"]).content.decode()
    assert "拟安排" in html and "陈老师 · 手工创建" in html
    assert f'href="/school/placements/{placement.pk}/adjust"' in html


def test_a_refusal_shows_each_failing_gate_with_its_code_and_writes_nothing(client, world):
    # given a mentor who already leads five apprentices
    give_apprentices(world, world["mentor"], active=True)
    client.force_login(world["coordinator"])
    before = _counts()
    # when the coordinator places one more with that mentor
    response = client.post(NEW, _form(world))
    # then the form comes back with the rule's code and sentence, and nothing is written
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-code="MENTOR_RATIO"' in html and "赵师傅 已带 5 名学徒，上限为 5" in html
    assert _counts() == before


@pytest.mark.parametrize("case", ["placed", "other_company_mentor"])
def test_other_refusals_are_shown_with_their_code(client, world, case):
    if case == "placed":
        PlacementFactory(pilot=world["pilot"], post=world["post"], student=world["student"])
        overrides, code = {}, "STUDENT_PLACED"
    else:
        post = PostFactory()
        world["pilot"].companies.add(post.company)
        overrides, code = (
            {"mentor": MentorFactory(company=post.company, post=post).pk},
            "MENTOR_OTHER_COMPANY",
        )
    client.force_login(world["coordinator"])
    before = _counts()
    response = client.post(NEW, _form(world, **overrides))
    assert response.status_code == 400 and f'data-code="{code}"' in response.content.decode()
    assert _counts() == before


def test_another_schools_student_cannot_be_chosen(client, world):
    other = StudentFactory(name="外校生")
    client.force_login(world["coordinator"])
    assert "外校生" not in client.get(NEW).content.decode()
    before = _counts()
    response = client.post(NEW, _form(world, student=other.pk))
    assert response.status_code == 400 and _counts() == before


def test_hr_and_another_schools_coordinator_are_kept_out(client, world):
    placement = PlacementFactory(pilot=world["pilot"], post=world["post"], mentor=world["mentor"])
    adjust = f"/school/placements/{placement.pk}/adjust"
    client.force_login(HrFactory(company=world["post"].company))
    assert client.get(NEW).status_code == 403
    assert client.get(adjust).status_code == 403
    assert client.post(NEW, _form(world)).status_code == 403
    stranger = CoordinatorFactory()
    client.force_login(stranger)
    assert client.get(adjust).status_code == 404
    before = _counts()
    assert client.post(adjust, _form(world)).status_code == 404
    # the stranger's own form offers none of this school's students, posts or mentors
    html = client.get(NEW).content.decode()
    assert "插班生" not in html and "数控车工" not in html and "赵师傅" not in html
    assert client.post(NEW, _form(world)).status_code == 400
    assert _counts() == before


def test_the_pages_in_english(client, world):
    placement = PlacementFactory(pilot=world["pilot"], post=world["post"], mentor=world["mentor"])
    client.force_login(world["coordinator"])
    client.cookies["django_language"] = "en"
    html = client.get(NEW).content.decode()
    assert "Add a placement by hand" in html and "(choose a student)" in html
    assert "手工新增岗位安排" not in html
    html = client.get(f"/school/placements/{placement.pk}/adjust").content.decode()
    assert "Adjust the placement" in html and "调整岗位安排" not in html
    html = client.get("/school/placements/").content.decode()
    assert "Add a placement by hand" in html


def test_a_proposed_placement_is_adjusted_on_its_page(client, world):
    placement = PlacementFactory(pilot=world["pilot"], post=world["post"], mentor=world["mentor"])
    post = PostFactory(company=world["post"].company, staff_on_post=50, title="装配钳工")
    mentor = MentorFactory(company=post.company, post=post)
    url = f"/school/placements/{placement.pk}/adjust"
    client.force_login(world["coordinator"])
    page = client.get(url).content.decode()
    assert 'value="2026-09-01"' in page
    data = _form(world, post=post.pk, mentor=mentor.pk, start_date="2026-09-15")
    del data["student"]
    response = client.post(url, data)
    assert response.status_code == 302
    placement.refresh_from_db()
    assert (placement.post, placement.mentor, placement.start_date) == (
        post,
        mentor,
        datetime.date(2026, 9, 15),
    )
    assert "陈老师 · 手工调整" in client.get(response["Location"]).content.decode()


def test_after_the_agreement_the_adjust_page_points_to_the_change_request(client, world):
    placement = PlacementFactory(pilot=world["pilot"], post=world["post"], mentor=world["mentor"])
    agreement_rows(placement, tag="MANP", status="draft", template_number=902)
    url = f"/school/placements/{placement.pk}/adjust"
    client.force_login(world["coordinator"])
    html = client.get(url).content.decode()
    assert 'data-testid="not-adjustable"' in html and f'href="/changes/new/{placement.pk}/"' in html
    data = _form(world)
    del data["student"]
    before = Placement.objects.values_list("post_id", "mentor_id", "start_date").get(pk=placement.pk)
    assert client.post(url, data).status_code == 409
    assert Placement.objects.values_list("post_id", "mentor_id", "start_date").get(pk=placement.pk) == before
    signing = PlacementFactory(pilot=world["pilot"], post=world["post"], signing=True)
    html = client.get(f"/school/placements/{signing.pk}/").content.decode()
    assert f'href="/changes/new/{signing.pk}/"' in html and "/adjust" not in html


def test_the_new_page_reads_in_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    # given the page's queries for a school with a handful of students; when twenty more (and placements) come,
    # then the page needs no more queries
    client.force_login(world["coordinator"])
    client.get(NEW)  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        client.get(NEW)
    for _ in range(20):
        StudentFactory(cohort=world["cohort"])
        PlacementFactory(
            pilot=world["pilot"], post=world["post"], mentor=None, student__cohort=world["cohort"]
        )
    with django_assert_max_num_queries(len(few)):
        assert client.get(NEW).status_code == 200
