"""The training API: each role's part through one service call, and isolation for every new object."""

import datetime

import pytest

from backend.training import services
from backend.training.models import Evaluation, PlanStatus, SignOff, TrainingPlan
from tests.factories.accounts import CoordinatorFactory, HrFactory, MentorUserFactory, StudentUserFactory
from tests.factories.training import plan_content

pytestmark = pytest.mark.django_db


def _payload(apprentice, valid_from="2027-01-01"):
    content = plan_content([apprentice.placement.post])
    return {
        "pilot": apprentice.placement.pilot_id,
        "title": "第二版培养方案",
        "valid_from": valid_from,
        "stages": content["stages"],
        "standards": [
            {**s, "post": s["post"].pk, "competencies": s["competencies"]} for s in content["standards"]
        ],
        "rotation": [{**r, "post": r["post"].pk} for r in content["rotation"]],
        "scheme": content["scheme"],
    }


def test_the_coordinator_proposes_and_hr_approves_through_the_api(apprentice, api_client_for):
    school = api_client_for(apprentice.teacher)
    response = school.post("/api/v1/training-plans/", _payload(apprentice), format="json")
    assert response.status_code == 201, response.json()
    plan_id = response.json()["id"]
    assert response.json()["version"] == 2 and response.json()["status"] == "proposed"
    response = api_client_for(apprentice.hr).post(f"/api/v1/training-plans/{plan_id}/approve/")
    assert response.status_code == 200
    assert TrainingPlan.objects.get(pk=plan_id).status == PlanStatus.APPROVED
    # a mentor may not propose
    response = api_client_for(apprentice.mentor).post(
        "/api/v1/training-plans/", _payload(apprentice, "2028-01-01"), format="json"
    )
    assert response.status_code == 403
    assert TrainingPlan.objects.count() == 2


def test_mentor_signs_teacher_confirms_apprentice_self_evaluates(apprentice, api_client_for):
    enrolment = services.enrolment_ensure(apprentice.placement)
    first = apprentice.competencies[0]
    response = api_client_for(apprentice.mentor).post(
        f"/api/v1/training-records/{enrolment.pk}/sign/",
        {"competency": first.pk, "evidence_text": "独立完成"},
    )
    assert response.status_code == 201, response.json()
    sign_off_id = response.json()["id"]
    response = api_client_for(apprentice.teacher).post(f"/api/v1/competency-sign-offs/{sign_off_id}/confirm/")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    student = StudentUserFactory(student=apprentice.placement.student)
    response = api_client_for(student).post(
        f"/api/v1/training-records/{enrolment.pk}/evaluate/", {"party": "self", "grade": "good"}
    )
    assert response.status_code == 201
    # the apprentice may not evaluate as the mentor
    response = api_client_for(student).post(
        f"/api/v1/training-records/{enrolment.pk}/evaluate/", {"party": "mentor", "grade": "excellent"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"
    progress = api_client_for(student).get(f"/api/v1/training-records/{enrolment.pk}/").json()["progress"]
    assert first.code not in progress["missing_competencies"]
    assert Evaluation.objects.count() == 1


def test_another_school_or_company_sees_none_of_it(apprentice, api_client_for):
    enrolment = services.enrolment_ensure(apprentice.placement)
    sign_off = services.competency_sign(
        placement=apprentice.placement, competency=apprentice.competencies[0], actor=apprentice.mentor
    )
    evaluation = services.evaluation_record(
        placement=apprentice.placement, party="company", grade="good", actor=apprentice.hr
    )
    urls = [
        f"/api/v1/training-plans/{apprentice.plan.pk}/",
        f"/api/v1/training-records/{enrolment.pk}/",
        f"/api/v1/competency-sign-offs/{sign_off.pk}/",
        f"/api/v1/training-evaluations/{evaluation.pk}/",
    ]
    for outsider in (CoordinatorFactory(), HrFactory(), MentorUserFactory(), StudentUserFactory()):
        client = api_client_for(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, (outsider.role, url)
        assert client.post(
            f"/api/v1/competency-sign-offs/{sign_off.pk}/withdraw/", {"reason": "x"}
        ).status_code in (
            403,
            404,
        )
        for listing in ("training-plans", "training-records", "competency-sign-offs", "training-evaluations"):
            assert client.get(f"/api/v1/{listing}/").json()["count"] == 0
    for insider in (apprentice.teacher, apprentice.hr, apprentice.mentor):
        client = api_client_for(insider)
        assert all(client.get(url).status_code == 200 for url in urls)
    assert SignOff.objects.get().status == "signed"


def test_the_bureau_reads_the_plan_but_cannot_write(apprentice, api_client_for, bureau):
    client = api_client_for(bureau)
    body = client.get(f"/api/v1/training-plans/{apprentice.plan.pk}/").json()
    assert body["post_standards"][0]["competencies"][0]["code"] == "P1C1"
    assert body["parties"][0]["weight"] in ("0.3000", "0.4000")
    assert client.post("/api/v1/training-plans/", _payload(apprentice), format="json").status_code == 403


def test_the_third_party_file_is_imported_through_the_api(apprentice, api_client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.enrolment_ensure(apprentice.placement)
    csv = (
        f"身份证号,证书编号,考核日期,结果\n{apprentice.placement.student.resident_id},JN-9,2026-12-01,合格\n"
    )
    upload = SimpleUploadedFile("results.csv", csv.encode(), content_type="text/csv")
    response = api_client_for(apprentice.teacher).post(
        f"/api/v1/training-plans/{apprentice.plan.pk}/third-party-results/", {"file": upload}
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 1}
    assert Evaluation.objects.get().test_date == datetime.date(2026, 12, 1)


def test_the_bureau_reads_the_evidence_with_the_claim(apprentice, api_client_for, bureau):
    from backend.subsidy.models import Claim
    from tests.factories.training import complete_rotation

    a = apprentice
    complete_rotation(a.placement, a.plan, datetime.date(2026, 9, 1))
    for party, user in (("mentor", a.mentor), ("teacher", a.teacher), ("company", a.hr)):
        services.evaluation_record(placement=a.placement, party=party, grade="good", actor=user)
    for competency in a.competencies:
        sign_off = services.competency_sign(placement=a.placement, competency=competency, actor=a.mentor)
        services.sign_off_confirm(sign_off=sign_off, actor=a.teacher)
    claim = Claim.objects.get()
    events = api_client_for(bureau).get(f"/api/v1/subsidy-claims/{claim.pk}/events/").json()
    evidence = next(e["details"] for e in events if e["action"] == "training_standard")
    assert [c["code"] for c in evidence["competencies"]] == [c.code for c in a.competencies]
    assert {e["party"] for e in evidence["evaluations"]} == {"mentor", "teacher", "company"}
    assert evidence["hours"] == [{"post": a.placement.post.title, "planned": "8.00", "done": "8.00"}]
