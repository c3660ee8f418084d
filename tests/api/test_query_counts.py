"""List endpoints do their joins up front: the number of queries does not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.companies import PostFactory
from tests.factories.placements import PilotProjectFactory, PlacementFactory, PlacementStageFactory

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("endpoint", ["placements", "students", "pilots", "posts", "mentors", "guardians"])
def test_list_queries_stay_constant_as_rows_grow(api_client_for, endpoint):
    # given one placement, then five more of the same pilot and company
    post = PostFactory()
    pilot = PilotProjectFactory(companies=[post.company])
    PlacementStageFactory(placement=PlacementFactory(pilot=pilot, post=post))
    coordinator = CoordinatorFactory(school=pilot.school)
    client = api_client_for(coordinator)
    few = queries_for(client, f"/api/v1/{endpoint}/")
    for _ in range(5):
        PlacementStageFactory(placement=PlacementFactory(pilot=pilot, post=post))
    # when / then
    assert queries_for(client, f"/api/v1/{endpoint}/") == few


def test_hr_student_list_queries_stay_constant(api_client_for):
    post = PostFactory()
    pilot = PilotProjectFactory(companies=[post.company])
    PlacementFactory(pilot=pilot, post=post)
    client = api_client_for(HrFactory(company=post.company))
    few = queries_for(client, "/api/v1/students/")
    for _ in range(5):
        PlacementFactory(pilot=pilot, post=post)
    assert queries_for(client, "/api/v1/students/") == few
