"""Posts are written by one companies service, used by the API and the portal alike (hazard tags checked once)."""

from decimal import Decimal

import pytest

from backend.companies.models import Post
from backend.companies.services import post_create, post_update
from backend.core.errors import ApplicationError
from backend.core.models import AuditEvent
from tests.factories.accounts import HrFactory
from tests.factories.companies import CompanyFactory, PostFactory

pytestmark = pytest.mark.django_db


def post_data(company, **extra):
    return {
        "company": company,
        "title": "数控车工",
        "location": "北京市顺义区",
        "capacity": 4,
        "staff_on_post": 40,
        "monthly_wage": Decimal("6000.00"),
        **extra,
    }


def test_post_create_stores_hazard_tags_sorted_once_each_with_an_audit_row(admin_user):
    # when
    post = post_create(
        actor=admin_user, data=post_data(CompanyFactory(), hazard_tags=["height", "heavy_lifting", "height"])
    )
    # then
    post.refresh_from_db()
    assert post.hazard_tags == ["heavy_lifting", "height"]
    assert AuditEvent.objects.filter(action="post.create", object_id=str(post.pk)).count() == 1


def test_unknown_hazard_tag_is_refused_and_nothing_is_written(admin_user):
    # given
    company = CompanyFactory()
    before = (Post.objects.count(), AuditEvent.objects.count())
    # when / then
    with pytest.raises(ApplicationError) as refused:
        post_create(actor=admin_user, data=post_data(company, hazard_tags=["height", "volcano"]))
    assert refused.value.code == "HAZARD_TAG_UNKNOWN" and refused.value.details == {
        "hazard_tags": ["volcano"]
    }
    assert (Post.objects.count(), AuditEvent.objects.count()) == before


def test_post_update_normalises_tags_and_refuses_unknown_ones_keeping_the_post(admin_user):
    # given
    post = PostFactory(hazard_tags=[])
    # when
    post_update(actor=admin_user, post=post, data={"hazard_tags": ["height", "height"]})
    # then
    post.refresh_from_db()
    assert post.hazard_tags == ["height"]
    with pytest.raises(ApplicationError):
        post_update(actor=admin_user, post=post, data={"hazard_tags": ["volcano"], "title": "改名"})
    post.refresh_from_db()
    assert post.hazard_tags == ["height"] and post.title != "改名"


def test_the_api_and_the_portal_write_posts_through_the_service(api_client_for, client):
    # given HR of a company
    company = CompanyFactory()
    hr = HrFactory(company=company)
    # when the API creates a post with repeated tags
    response = api_client_for(hr).post(
        "/api/v1/posts/",
        {
            **post_data(company.pk, hazard_tags=["height", "heavy_lifting", "height"]),
            "monthly_wage": "6000.00",
        },
        format="json",
    )
    # then it is stored normalised
    assert response.status_code == 201, response.json()
    assert Post.objects.get(pk=response.json()["id"]).hazard_tags == ["heavy_lifting", "height"]
    # and the portal's post form does the same
    client.force_login(hr)
    form = {k: v for k, v in post_data(company.pk).items() if k != "company"}
    page = client.post(
        "/company/posts/new/", {**form, "title": "装配钳工", "hazard_tags": ["height", "heavy_lifting"]}
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    assert Post.objects.get(title="装配钳工").hazard_tags == ["heavy_lifting", "height"]


def test_a_mentor_on_another_companys_post_is_refused_over_the_api_with_nothing_written(
    api_client_for, admin_user
):
    # given a company and a post of another company
    from backend.companies.models import Mentor

    company, other_post = CompanyFactory(), PostFactory()
    before = (Mentor.objects.count(), AuditEvent.objects.count())
    # when
    response = api_client_for(admin_user).post(
        "/api/v1/mentors/",
        {"company": company.pk, "post": other_post.pk, "name": "王师傅", "phone": "13700000000"},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "POST_OTHER_COMPANY"
    assert (Mentor.objects.count(), AuditEvent.objects.count()) == before


def test_mentor_update_keeps_the_post_within_the_company(admin_user):
    # given a mentor on the company's post
    from backend.companies.services import mentor_create, mentor_update

    post = PostFactory()
    mentor = mentor_create(actor=admin_user, data={"company": post.company, "post": post, "name": "王师傅"})
    # when / then: moving to another company's post is refused, the own post stays
    with pytest.raises(ApplicationError) as refused:
        mentor_update(actor=admin_user, mentor=mentor, data={"post": PostFactory()})
    assert refused.value.code == "POST_OTHER_COMPANY"
    mentor.refresh_from_db()
    assert mentor.post == post
    # and a change within the company is written
    mentor_update(actor=admin_user, mentor=mentor, data={"name": "王建国"})
    mentor.refresh_from_db()
    assert mentor.name == "王建国"
