"""Names are cleaned on the way in: control characters, NUL, bidi overrides and zero-width characters never reach
the database, through the API (students, guardians, mentors, companies, pilots) or the portal's forms."""

import pytest

from backend.companies.models import Company, Mentor
from backend.placements.models import PilotProject
from backend.schools.models import Guardian, Student
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.companies import MentorFactory
from tests.factories.placements import PilotProjectFactory
from tests.factories.schools import GuardianFactory, StudentFactory

pytestmark = pytest.mark.django_db

DIRTY = "\u202e王\u200b小\x00明\u2066\x07 "
CLEAN = "王小明"


def test_the_api_cleans_every_name_it_takes(api_client_for):
    # given
    student = StudentFactory()
    guardian = GuardianFactory(student=student)
    pilot = PilotProjectFactory()
    mentor = MentorFactory()
    school = api_client_for(CoordinatorFactory(school=student.school))
    company = api_client_for(HrFactory(company=mentor.company))
    # when
    answers = [
        school.patch(f"/api/v1/students/{student.pk}/", {"name": DIRTY}, format="json"),
        school.patch(f"/api/v1/guardians/{guardian.pk}/", {"name": DIRTY}, format="json"),
        api_client_for(CoordinatorFactory(school=pilot.school)).patch(
            f"/api/v1/pilots/{pilot.pk}/", {"name": "试点" + DIRTY}, format="json"
        ),
        company.patch(f"/api/v1/mentors/{mentor.pk}/", {"name": DIRTY}, format="json"),
        company.patch(
            f"/api/v1/companies/{mentor.company_id}/",
            {"name": "公司" + DIRTY, "legal_representative": DIRTY},
            format="json",
        ),
    ]
    # then
    assert [a.status_code for a in answers] == [200] * 5, [a.json() for a in answers if a.status_code != 200]
    assert Student.objects.get(pk=student.pk).name == CLEAN
    assert Guardian.objects.get(pk=guardian.pk).name == CLEAN
    assert PilotProject.objects.get(pk=pilot.pk).name == "试点" + CLEAN
    assert Mentor.objects.get(pk=mentor.pk).name == CLEAN
    stored = Company.objects.get(pk=mentor.company_id)
    assert (stored.name, stored.legal_representative) == ("公司" + CLEAN, CLEAN)


def test_a_name_of_nothing_but_invisible_characters_is_blank_and_refused(api_client_for):
    mentor = MentorFactory()
    before = mentor.name
    answer = api_client_for(HrFactory(company=mentor.company)).patch(
        f"/api/v1/mentors/{mentor.pk}/", {"name": "\u202e\u200b\x00"}, format="json"
    )
    assert answer.status_code == 400
    assert Mentor.objects.get(pk=mentor.pk).name == before


def test_the_portal_forms_clean_mentor_and_company_names(client):
    mentor = MentorFactory()
    client.force_login(HrFactory(company=mentor.company))
    answer = client.post(
        f"/company/mentors/{mentor.pk}/",
        {
            "name": DIRTY,
            "phone": mentor.phone,
            "post": mentor.post_id or "",
            "title": "",
            "years_experience": 5,
        },
    )
    assert answer.status_code == 302, answer.context["form"].errors
    assert Mentor.objects.get(pk=mentor.pk).name == CLEAN
    company = Company.objects.get(pk=mentor.company_id)
    data = {
        f: getattr(company, f) or ""
        for f in ("credit_code", "staff_count", "annual_revenue", "industry", "address", "contact_phone")
    }
    answer = client.post("/company/profile/", {**data, "name": "公司" + DIRTY, "legal_representative": DIRTY})
    assert answer.status_code == 302, answer.context["form"].errors
    company.refresh_from_db()
    assert (company.name, company.legal_representative) == ("公司" + CLEAN, CLEAN)
