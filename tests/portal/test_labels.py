"""Labels say what they mean: the empty choice of a select ("全部", "（不指定岗位）"), never Django's "---------";
a count's unit that reads right for any count."""

import pytest
from django.test import Client

from tests.factories.accounts import BureauFactory, CoordinatorFactory, HrFactory
from tests.factories.placements import PlacementFactory

pytestmark = pytest.mark.django_db


def _page(user, path: str, language: str) -> str:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "全部"), ("en", "All")])
def test_the_list_filters_offer_all_as_their_empty_choice(language, label):
    # given a school and a company with a placement
    placement = PlacementFactory()
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    hr = HrFactory(company=placement.post.company)
    for user, path in (
        (coordinator, "/school/placements/"),
        (coordinator, "/school/students/"),
        (coordinator, "/school/agreements/"),
        (coordinator, "/school/violations/"),
        (hr, "/company/placements/"),
        (hr, "/company/mentors/"),
    ):
        # when the list is opened
        html = _page(user, path, language)
        # then its filters start with "all", in the page's language
        assert f'<option value="" selected>{label}</option>' in html, path
        assert "---------" not in html, path


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "（不指定岗位）"), ("en", "(no post)")])
def test_the_mentor_form_names_its_empty_post_choice(language, label):
    # given HR of a company
    hr = HrFactory()
    # when HR opens the form for a new mentor
    html = _page(hr, "/company/mentors/new/", language)
    # then the empty post choice says what it means
    assert f'<option value="" selected>{label}</option>' in html
    assert "---------" not in html


@pytest.mark.parametrize(
    ("language", "label"),
    [("zh-hans", "将本周排班复制到之后的周数"), ("en", "Copy this week's plan to how many following weeks")],
)
def test_the_copy_a_week_form_asks_for_a_number_of_weeks_without_a_unit_after_the_count(language, label):
    # given HR of the company of an active placement
    placement = PlacementFactory(active=True)
    hr = HrFactory(company=placement.post.company)
    # when HR opens the apprentice's week
    html = _page(hr, f"/company/shifts/{placement.pk}/", language)
    # then the copy form asks for the number of weeks in its label ("1 Week" / "2 Week" read wrong in English)
    assert f'{label} <input type="number" name="weeks"' in html.replace("&#x27;", "'")


@pytest.mark.parametrize(
    ("language", "label"), [("zh-hans", "（请选择试点项目）"), ("en", "(choose a pilot project)")]
)
def test_the_bureaus_budget_form_names_its_empty_pilot_choice(language, label):
    # given the bureau and a pilot project
    PlacementFactory()
    # when the bureau opens the subsidy page with its budget form
    html = _page(BureauFactory(), "/bureau/subsidy/", language)
    # then neither the filters nor the budget form show Django's "---------"
    assert f'<option value="" selected>{label}</option>' in html
    assert "---------" not in html
