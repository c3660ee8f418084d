import pytest

from backend.accounts.models import Role, User
from backend.attendance.demo import seed_attendance_demo
from backend.attendance.models import TeacherAssignment, WorkSite, WorkSitePost
from tests.factories.accounts import CoordinatorFactory
from tests.factories.companies import PostFactory

from .conftest import counts, make_world

pytestmark = pytest.mark.django_db


def test_the_demo_gets_a_site_per_company_and_a_teacher_login_once():
    # given a school with a placement at a company whose post has no site yet, and a company with two posts
    world = make_world()
    WorkSitePost.objects.all().delete()
    WorkSite.objects.all().delete()
    CoordinatorFactory(school=world.placement.pilot.school)
    other = PostFactory()
    PostFactory(company=other.company)
    # when
    first = seed_attendance_demo(password="demo-pass-1")
    # then
    assert first["sites"] == 2 and first["posts_linked"] == 3 and first["assigned"] == 1
    assert WorkSitePost.objects.filter(site__company=other.company).count() == 2
    teacher = User.objects.get(username="teacher1")
    assert teacher.role == Role.TEACHER and teacher.check_password("demo-pass-1")
    assert TeacherAssignment.objects.get().teacher == teacher
    # and a second run changes nothing
    before = counts()
    again = seed_attendance_demo(password="demo-pass-1")
    assert (again["sites"], again["posts_linked"], again["assigned"]) == (0, 0, 0)
    assert counts() == before and WorkSite.objects.count() == 2
