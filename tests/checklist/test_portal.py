"""The checklist in the portal: the coordinator's page, the forms, the bulk pages (tick or take every listed
placement), the placement page's panel; HR's read-only view; another tenant gets 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.checklist.models import Filing, HostApproval, HostVisit, SafetyTraining
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.checklist import HostVisitFactory
from tests.factories.placements import PlacementFactory
from tests.factories.schools import StudentFactory

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def school():
    first = PlacementFactory()
    second = PlacementFactory(
        pilot=first.pilot,
        post=first.post,
        mentor=first.mentor,
        student=StudentFactory(cohort=first.student.cohort),
    )
    return {
        "pilot": first.pilot,
        "placements": [first, second],
        "coordinator": CoordinatorFactory(school=first.pilot.school),
        "company": first.post.company,
    }


def test_the_coordinator_records_a_visit_with_a_photo_and_the_approval(client, school):
    client.force_login(school["coordinator"])
    pilot, company = school["pilot"], school["company"]
    page = client.get("/school/checklist/").content.decode()
    assert f'data-testid="record-visit-{company.pk}"' in page and "未走访" in page
    # when the visit is recorded with a photo
    response = client.post(
        f"/school/checklist/visits/new?pilot={pilot.pk}&company={company.pk}",
        {
            "visited_on": "2026-06-01",
            "visitors": "李老师",
            "findings_safety": "良好",
            "findings_posts": "对口",
            "findings_lodging": "宿舍",
            "photos": [SimpleUploadedFile("a.png", PNG, content_type="image/png")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = HostVisit.objects.get()
    assert visit.photos.count() == 1
    photo = visit.photos.get()
    assert client.get(f"/checklist/photos/{photo.pk}").status_code == 200
    # and the approval
    response = client.post(
        f"/school/checklist/approvals/new?pilot={pilot.pk}&company={company.pk}",
        {"approved_on": "2026-06-30", "approver": "王校长", "reference": "校企准1号"},
    )
    assert response.status_code == 302
    assert HostApproval.objects.get().reference == "校企准1号"
    # then another school's coordinator sees neither the pilot nor the photo
    client.force_login(CoordinatorFactory())
    assert client.get(f"/school/checklist/?pilot={pilot.pk}").status_code == 404
    assert client.get(f"/checklist/photos/{photo.pk}").status_code == 404
    assert client.get(f"/school/checklist/filing/new?pilot={pilot.pk}").status_code == 404


def test_a_cohort_is_filed_by_ticking_and_trained_by_taking_every_listed_placement(client, school):
    client.force_login(school["coordinator"])
    pilot, placements = school["pilot"], school["placements"]
    page = client.get(f"/school/checklist/filing/new?pilot={pilot.pk}").content.decode()
    assert all(f'data-testid="pick-{p.pk}"' in page for p in placements) and 'data-testid="pick-all"' in page
    # when both are ticked for a filing
    response = client.post(
        "/school/checklist/filing/new",
        {
            "pilot": pilot.pk,
            "placement": [p.pk for p in placements],
            "reference": "教职备〔2026〕3号",
            "filed_on": "2026-08-20",
            "authority": "区教委",
        },
    )
    assert response.status_code == 302
    assert set(Filing.objects.get().placements.values_list("pk", flat=True)) == {p.pk for p in placements}
    # when the whole list attends a training
    response = client.post(
        "/school/checklist/training/new",
        {"pilot": pilot.pk, "all": "1", "held_on": "2026-08-28", "hours": "4", "content": "安全生产"},
    )
    assert response.status_code == 302
    assert SafetyTraining.objects.get().attendees.count() == 2
    # when nothing is ticked: nothing written
    client.post(
        "/school/checklist/filing/new",
        {"pilot": pilot.pk, "reference": "X", "filed_on": "2026-08-20", "authority": "区教委"},
    )
    assert Filing.objects.count() == 1


def test_the_placement_page_shows_each_item_with_a_link_to_do_it(client, school):
    client.force_login(school["coordinator"])
    placement = school["placements"][0]
    HostVisitFactory(pilot=placement.pilot, company=placement.post.company)
    page = client.get(f"/school/placements/{placement.pk}/").content.decode()
    assert 'data-testid="checklist-panel"' in page
    assert 'data-code="HOST_VISIT" data-done="1"' in page
    assert 'data-code="FILING" data-done="0"' in page and 'data-testid="checklist-do-filing"' in page
    # and in English
    client.cookies["django_language"] = "en"
    page = client.get(f"/school/placements/{placement.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Pre-placement checklist" in page or "实习前检查" in page


def test_hr_reads_its_own_companys_visits_and_not_anothers(client, school):
    mine = HostVisitFactory(pilot=school["pilot"], company=school["company"], visitors="本校李老师")
    HostVisitFactory(visitors="别人家张老师")
    client.force_login(HrFactory(company=school["company"]))
    page = client.get("/company/checklist/").content.decode()
    assert mine.visitors in page and "别人家张老师" not in page
    assert client.get("/school/checklist/").status_code == 403
