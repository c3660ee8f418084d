"""The agreements API: generate, download, template upload, and tenant isolation (404 for other tenants)."""

import datetime
import io
import zipfile

import pytest
from docx import Document

from backend.agreements.models import AgreementStatus, TemplateVersion
from backend.agreements.services import agreement_generate, agreement_set_status
from tests.factories.accounts import CoordinatorFactory, HrFactory, StudentUserFactory
from tests.factories.agreements import complete_placement

pytestmark = [pytest.mark.django_db, pytest.mark.libreoffice]


@pytest.fixture
def placement():
    return complete_placement(birth=datetime.date(2007, 5, 12))


@pytest.fixture
def school_coordinator(placement):
    return CoordinatorFactory(school=placement.pilot.school)


@pytest.fixture
def agreement(placement, school_coordinator):
    return agreement_generate(actor=school_coordinator, placement=placement)


def _docx(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _upload(client, kind: str, data: bytes, name: str = "template.docx"):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post("/api/v1/agreement-templates/", {"kind": kind, "file": upload}, format="multipart")


def test_a_coordinator_generates_an_agreement_and_the_company_hr_downloads_its_pdf(
    api_client_for, placement, school_coordinator
):
    # given
    hr = HrFactory(company=placement.post.company)

    # when
    created = api_client_for(school_coordinator).post(
        "/api/v1/agreements/generate/", {"placement": placement.pk}, format="json"
    )
    pdf = api_client_for(hr).get(f"/api/v1/agreements/{created.data['id']}/pdf/")
    docx = api_client_for(hr).get(f"/api/v1/agreements/{created.data['id']}/docx/")

    # then
    assert created.status_code == 201, created.data
    assert created.data["kind"] == "three_party" and created.data["revisions"][0]["number"] == 1
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert docx.status_code == 200 and b"".join(docx.streaming_content).startswith(b"PK")


def test_hr_of_another_company_gets_404_for_the_agreement_and_its_files(api_client_for, agreement):
    # given
    stranger = api_client_for(HrFactory())

    # when
    responses = [
        stranger.get(f"/api/v1/agreements/{agreement.pk}/"),
        stranger.get(f"/api/v1/agreements/{agreement.pk}/pdf/"),
        stranger.get(f"/api/v1/agreements/{agreement.pk}/docx/"),
        stranger.get(f"/api/v1/agreements/{agreement.pk}/pdf/?revision=1"),
    ]
    listing = stranger.get("/api/v1/agreements/")

    # then
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert listing.status_code == 200 and listing.data["count"] == 0


def test_a_coordinator_of_another_school_cannot_generate_void_or_fetch(api_client_for, placement, agreement):
    # given
    other = api_client_for(CoordinatorFactory())

    # when
    generate = other.post("/api/v1/agreements/generate/", {"placement": placement.pk}, format="json")
    void = other.post(f"/api/v1/agreements/{agreement.pk}/void/", {"reason": "x"}, format="json")
    pdf = other.get(f"/api/v1/agreements/{agreement.pk}/pdf/")

    # then
    assert (generate.status_code, void.status_code, pdf.status_code) == (404, 404, 404)
    status = agreement.status
    agreement.refresh_from_db()
    assert agreement.status == status != AgreementStatus.VOID
    assert agreement.revisions.count() == 1


def test_the_student_reads_the_own_agreement_but_cannot_generate(api_client_for, placement, agreement):
    # given
    student = api_client_for(StudentUserFactory(student=placement.student))

    # when
    pdf = student.get(f"/api/v1/agreements/{agreement.pk}/pdf/")
    generate = student.post("/api/v1/agreements/generate/", {"placement": placement.pk}, format="json")

    # then
    assert pdf.status_code == 200
    assert generate.status_code == 403
    assert agreement.revisions.count() == 1


def test_generating_under_16_answers_age_min(api_client_for):
    # given
    young = complete_placement(birth=datetime.date(2011, 1, 1))
    client = api_client_for(CoordinatorFactory(school=young.pilot.school))

    # when
    response = client.post("/api/v1/agreements/generate/", {"placement": young.pk}, format="json")

    # then
    assert response.status_code == 422
    assert response.data["error"]["code"] == "AGE_MIN"
    assert young.agreements.count() == 0


def test_regenerating_a_signed_agreement_answers_409(api_client_for, agreement, school_coordinator):
    # given
    agreement_set_status(actor=school_coordinator, agreement=agreement, to=AgreementStatus.SENT)
    agreement_set_status(actor=school_coordinator, agreement=agreement, to=AgreementStatus.SIGNED)

    revisions = agreement.revisions.count()

    # when
    response = api_client_for(school_coordinator).post(
        "/api/v1/agreements/generate/", {"placement": agreement.placement_id}, format="json"
    )

    # then
    assert response.status_code == 409
    assert response.data["error"]["code"] == "AGREEMENT_SIGNED"
    assert agreement.revisions.count() == revisions


@pytest.mark.parametrize(
    ("data", "codes"),
    [
        (b"this is not a word file", ["NOT_DOCX"]),
        (_docx("{% if student.name %}未闭合"), ["SYNTAX_ERROR"]),
        (_docx("{{ studnet.name }}", "{{ pay.monthly_amout }}"), ["UNKNOWN_VARIABLE", "UNKNOWN_VARIABLE"]),
    ],
    ids=["not-docx", "jinja-syntax", "misspelt-variables"],
)
def test_a_bad_template_upload_is_refused_naming_each_problem(
    api_client_for, school_coordinator, data, codes
):
    # when
    response = _upload(api_client_for(school_coordinator), "three_party", data)

    # then
    assert response.status_code == 400
    error = response.data["error"]
    assert error["code"] == "TEMPLATE_INVALID"
    assert [p["code"] for p in error["details"]["problems"]] == codes
    assert not TemplateVersion.objects.filter(school=school_coordinator.school).exists()


def test_misspelt_variables_come_back_with_suggestions(api_client_for, school_coordinator):
    # when
    response = _upload(api_client_for(school_coordinator), "three_party", _docx("{{ studnet.name }}"))

    # then
    problem = response.data["error"]["details"]["problems"][0]
    assert problem["variable"] == "studnet.name" and problem["suggestion"] == "student.name"
    assert "student.name" in response.data["error"]["message"]


def test_uploaded_versions_are_numbered_used_for_new_agreements_and_old_ones_stay_readable(
    api_client_for, placement, school_coordinator, template_bytes
):
    # given: the shipped template with an extra line
    client = api_client_for(school_coordinator)
    document = Document(io.BytesIO(template_bytes("three_party")))
    document.add_paragraph("本校补充条款：{{ school.name }}版本二")
    changed = io.BytesIO()
    document.save(changed)

    # when
    first = _upload(client, "three_party", template_bytes("three_party"))
    second = _upload(client, "three_party", changed.getvalue())
    agreement = agreement_generate(actor=school_coordinator, placement=placement)
    old_file = client.get(f"/api/v1/agreement-templates/{first.data['id']}/file/")
    listing = client.get("/api/v1/agreement-templates/?kind=three_party")

    # then
    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.data["number"], second.data["number"]) == (1, 2)
    assert agreement.current_revision.template_version_id == second.data["id"]
    assert old_file.status_code == 200
    assert b"".join(old_file.streaming_content) == template_bytes("three_party")
    assert {v["id"] for v in listing.data} >= {first.data["id"], second.data["id"]}


def test_another_school_cannot_see_or_download_a_school_template(
    api_client_for, school_coordinator, template_bytes
):
    # given
    uploaded = _upload(api_client_for(school_coordinator), "three_party", template_bytes("three_party"))
    other = api_client_for(CoordinatorFactory())

    # when
    file = other.get(f"/api/v1/agreement-templates/{uploaded.data['id']}/file/")
    listing = other.get("/api/v1/agreement-templates/")

    # then
    assert file.status_code == 404
    assert uploaded.data["id"] not in {v["id"] for v in listing.data}


def test_hr_cannot_upload_templates(api_client_for, template_bytes):
    # when
    response = _upload(api_client_for(HrFactory()), "three_party", template_bytes("three_party"))

    # then
    assert response.status_code == 403


def test_a_batch_zip_belongs_to_its_school_only(api_client_for, placement, school_coordinator, agreement):
    # given: a finished batch (its one placement already has its agreement, so no worker is needed)
    from backend.agreements.services import agreement_batch_create, agreement_batch_item_run

    batch = agreement_batch_create(actor=school_coordinator, pilot=placement.pilot)
    for item in batch.items.all():
        agreement_batch_item_run(item_id=item.pk)

    # when
    own = api_client_for(school_coordinator).get(f"/api/v1/agreement-batches/{batch.pk}/zip/")
    other = api_client_for(CoordinatorFactory()).get(f"/api/v1/agreement-batches/{batch.pk}/zip/")
    other_progress = api_client_for(CoordinatorFactory()).get(f"/api/v1/agreement-batches/{batch.pk}/")
    hr = api_client_for(HrFactory(company=placement.post.company)).get(
        f"/api/v1/agreement-batches/{batch.pk}/"
    )

    # then
    assert own.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(b"".join(own.streaming_content))).namelist()
    assert names == [f"{agreement.number}-{placement.student.name}.pdf"]
    assert (other.status_code, other_progress.status_code, hr.status_code) == (404, 404, 404)
