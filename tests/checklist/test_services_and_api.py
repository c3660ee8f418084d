"""The checklist's writes: by the pilot school's coordinator only, files checked by size and content, plans
versioned by upload, cohort work for many placements at once (all or none); the API scoped per tenant."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.checklist import services
from backend.checklist.models import ConsentRecord, Filing, HostVisit, HostVisitPhoto, PilotDocument
from backend.core.errors import ApplicationError
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.checklist import HostVisitFactory
from tests.factories.placements import PlacementFactory
from tests.factories.schools import GuardianFactory, StudentFactory

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%%EOF\n"


def cohort_of(n: int):
    first = PlacementFactory()
    others = [
        PlacementFactory(
            pilot=first.pilot,
            post=first.post,
            mentor=first.mentor,
            student=StudentFactory(cohort=first.student.cohort),
        )
        for _ in range(n - 1)
    ]
    return [first, *others]


def visit_kwargs(placement, **extra):
    return {
        "pilot": placement.pilot,
        "company": placement.post.company,
        "visited_on": datetime.date(2026, 6, 1),
        "visitors": "李老师",
        "findings_safety": "良好",
        "findings_posts": "对口",
        "findings_lodging": "宿舍",
        **extra,
    }


def test_a_visit_report_keeps_its_photos_and_refuses_a_file_that_is_not_an_image():
    # given
    placement = PlacementFactory()
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    # when a report comes with one photo
    visit = services.host_visit_create(
        actor=coordinator, **visit_kwargs(placement, photos=[SimpleUploadedFile("a.png", PNG)])
    )
    # then
    assert visit.photos.count() == 1
    # when a "photo" is a PDF renamed .png: refused, nothing written
    with pytest.raises(ApplicationError) as refused:
        services.host_visit_create(
            actor=coordinator, **visit_kwargs(placement, photos=[SimpleUploadedFile("b.png", PDF)])
        )
    assert refused.value.code == "FILE_TYPE"
    assert HostVisit.objects.count() == 1 and HostVisitPhoto.objects.count() == 1


def test_a_file_over_ten_megabytes_is_refused():
    placement = PlacementFactory()
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    big = SimpleUploadedFile("plan.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ApplicationError) as refused:
        services.pilot_document_upload(
            actor=coordinator, pilot=placement.pilot, kind="internship_plan", title="", upload=big
        )
    assert refused.value.code == "FILE_TOO_LARGE"
    assert PilotDocument.objects.count() == 0


def test_each_upload_of_a_plan_is_a_new_version():
    placement = PlacementFactory()
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    for _ in range(2):
        services.pilot_document_upload(
            actor=coordinator,
            pilot=placement.pilot,
            kind="emergency_plan",
            title="应急预案",
            upload=SimpleUploadedFile("p.pdf", PDF),
        )
    assert list(PilotDocument.objects.order_by("version").values_list("version", flat=True)) == [1, 2]


def test_another_school_and_the_company_cannot_write_the_checklist():
    placement = PlacementFactory()
    for outsider in (CoordinatorFactory(), HrFactory(company=placement.post.company)):
        with pytest.raises(ApplicationError):
            services.host_approval_record(
                actor=outsider,
                school=placement.pilot.school,
                company=placement.post.company,
                approved_on=datetime.date(2026, 6, 1),
                approver="某人",
                reference="X",
            )
        with pytest.raises(ApplicationError):
            services.filing_create(
                actor=outsider,
                pilot=placement.pilot,
                placements=[placement],
                reference="X",
                filed_on=datetime.date(2026, 8, 1),
                authority="教育局",
            )
    assert Filing.objects.count() == 0


def test_one_filing_covers_a_whole_cohort():
    # given five placements of one pilot
    placements = cohort_of(5)
    coordinator = CoordinatorFactory(school=placements[0].pilot.school)
    # when they are filed at once
    filing = services.filing_create(
        actor=coordinator,
        pilot=placements[0].pilot,
        placements=placements,
        reference="教职备〔2026〕8号",
        filed_on=datetime.date(2026, 8, 20),
        authority="区教委",
    )
    # then
    assert set(filing.placements.values_list("pk", flat=True)) == {p.pk for p in placements}


def test_consent_for_a_cohort_is_all_or_none_and_needs_a_guardian():
    # given three placements, one student without a guardian on record
    placements = cohort_of(3)
    for p in placements[:2]:
        GuardianFactory(student=p.student, name=f"家长{p.pk}")
    coordinator = CoordinatorFactory(school=placements[0].pilot.school)
    kwargs = {
        "actor": coordinator,
        "pilot": placements[0].pilot,
        "student_signed_on": datetime.date(2026, 8, 10),
        "guardian_signed_on": datetime.date(2026, 8, 11),
    }
    # when all three: refused, naming the student, nothing written
    with pytest.raises(ApplicationError) as refused:
        services.consents_record(placements=placements, **kwargs)
    assert refused.value.code == "GUARDIAN_REQUIRED"
    assert placements[2].student.name in refused.value.message
    assert ConsentRecord.objects.count() == 0
    # when the two with guardians: recorded with each one's guardian
    records = services.consents_record(placements=placements[:2], **kwargs)
    assert sorted(r.guardian_name for r in records) == sorted(f"家长{p.pk}" for p in placements[:2])


def test_a_placement_of_another_pilot_is_refused_in_a_batch():
    placement = PlacementFactory()
    stranger = PlacementFactory(pilot__program__school=placement.pilot.school)
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    with pytest.raises(ApplicationError) as refused:
        services.safety_training_create(
            actor=coordinator,
            pilot=placement.pilot,
            placements=[placement, stranger],
            held_on=datetime.date(2026, 8, 28),
            hours=4,
            content="安全",
        )
    assert refused.value.code == "PLACEMENT_NOT_IN_PILOT"


# -- API ----------------------------------------------------------------------------------------------------------


def test_the_api_records_a_filing_for_the_own_school_and_refuses_another_schools_placements(api_client_for):
    # given two schools
    own, foreign = PlacementFactory(), PlacementFactory()
    client = api_client_for(CoordinatorFactory(school=own.pilot.school))
    body = {"reference": "教职备1", "filed_on": "2026-08-20", "authority": "区教委"}
    # when the coordinator files its own placement
    ok = client.post(
        "/api/v1/filings/", {**body, "pilot": own.pilot.pk, "placements": [own.pk]}, format="json"
    )
    # then
    assert ok.status_code == 201, ok.content
    assert ok.json()["placements"] == [own.pk]
    # when it names the other school's pilot or placement: they do not exist for it, nothing written
    for data in (
        {**body, "pilot": foreign.pilot.pk, "placements": [foreign.pk]},
        {**body, "pilot": own.pilot.pk, "placements": [foreign.pk]},
    ):
        refused = client.post("/api/v1/filings/", data, format="json")
        assert refused.status_code == 400, refused.content
    assert Filing.objects.count() == 1


def test_hr_reads_its_companys_visit_but_cannot_write_one(api_client_for):
    placement = PlacementFactory()
    visit = HostVisitFactory(pilot=placement.pilot, company=placement.post.company)
    hr = api_client_for(HrFactory(company=placement.post.company))
    assert hr.get(f"/api/v1/host-visits/{visit.pk}/").status_code == 200
    response = hr.post(
        "/api/v1/host-visits/",
        {
            "pilot": placement.pilot.pk,
            "company": placement.post.company.pk,
            "visited_on": "2026-06-01",
            "visitors": "x",
            "findings_safety": "x",
            "findings_posts": "x",
            "findings_lodging": "x",
        },
        format="json",
    )
    assert response.status_code == 403
    assert HostVisit.objects.count() == 1


def test_a_plan_uploads_through_the_api_as_multipart(api_client_for):
    placement = PlacementFactory()
    client = api_client_for(CoordinatorFactory(school=placement.pilot.school))
    response = client.post(
        "/api/v1/pilot-documents/",
        {"pilot": placement.pilot.pk, "kind": "internship_plan", "upload": SimpleUploadedFile("p.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 1 and "upload" not in response.json()
