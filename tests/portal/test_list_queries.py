"""The list pages of last round's apps (injuries, changes, pauses and endings) run the same number of queries for
one row and for many: their selectors join what the rows print (no query per row)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.changes import ChangeRequestFactory
from tests.factories.lifecycle import InjuryReportFactory, PauseFactory
from tests.factories.placements import PlacementFactory

pytestmark = pytest.mark.django_db


def one_more_injury(first):
    InjuryReportFactory(placement=PlacementFactory(pilot=first.pilot, post=first.post, active=True))


def one_more_change(first):
    ChangeRequestFactory(placement=PlacementFactory(pilot=first.pilot, post=first.post, active=True))


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("viewer", ["coordinator", "hr"])
@pytest.mark.parametrize(
    ("url", "make_first", "one_more"),
    [
        ("/injuries/", lambda: InjuryReportFactory().placement, one_more_injury),
        ("/changes/", lambda: ChangeRequestFactory().placement, one_more_change),
    ],
)
def test_list_pages_run_the_same_queries_for_one_row_and_for_six(
    client, django_assert_num_queries, viewer, url, make_first, one_more
):
    # given one row the viewer sees, and the queries of its list page
    first = make_first()
    user = (
        CoordinatorFactory(school=first.pilot.school)
        if viewer == "coordinator"
        else HrFactory(company=first.post.company)
    )
    client.force_login(user)
    few = queries_of(client, url)

    # when five more rows of the same school and company come
    for _ in range(5):
        one_more(first)

    # then the page runs the same queries and lists all six
    with django_assert_num_queries(few):
        response = client.get(url)
    assert response.content.decode().count(first.post.company.name) >= 6


def test_the_lifecycle_page_runs_the_same_queries_for_one_pause_and_for_six(
    client, django_assert_num_queries
):
    # given a placement with one finished pause and one injury
    placement = PlacementFactory(active=True)
    PauseFactory(placement=placement)
    InjuryReportFactory(placement=placement)
    client.force_login(CoordinatorFactory(school=placement.pilot.school))
    url = f"/placements/{placement.pk}/lifecycle/"
    few = queries_of(client, url)

    # when it has five more pauses and five more injuries
    for week in range(1, 6):
        start = datetime.date(2026, 10, 12) + datetime.timedelta(weeks=week)
        PauseFactory(placement=placement, start_date=start, planned_end_date=start)
        InjuryReportFactory(placement=placement)

    # then the page runs the same queries
    with django_assert_num_queries(few):
        client.get(url)
