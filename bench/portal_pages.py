"""Portal pages: server time and queries of the main pages for a school of 3,000 students and 1,200 placements.

No target is set in the issue ("clear, quick"); this prints the median of 7 requests per page (after one warm-up)
and the number of SQL queries, so a slow page or a query that grows with the rows shows up.
"""

import datetime
import statistics
import time
from decimal import Decimal

from _django import bench_database

STUDENTS = 3_000
PLACEMENTS = 1_200
RUNS = 7


def build() -> dict:
    from backend.accounts.models import Role, User
    from backend.companies.models import Company, Mentor, Post
    from backend.core.ids import compose_credit_code, compose_resident_id
    from backend.placements.models import PilotProject, Placement, PlacementStatus
    from backend.schools.models import Cohort, Program, School, Student

    school = School.objects.create(name="基准测试学校")
    program = Program.objects.create(school=school, name="数控技术应用")
    cohorts = [Cohort.objects.create(program=program, entry_year=y) for y in (2023, 2024, 2025)]
    companies = [
        Company.objects.create(
            name=f"基准企业{i}", credit_code=compose_credit_code(f"91110000{i:09d}"), staff_count=5000
        )
        for i in range(4)
    ]
    pilot = PilotProject.objects.create(name="基准试点", school=school, program=program, year=2026)
    pilot.companies.set(companies)
    posts = [
        Post.objects.create(
            company=c, title=f"岗位{j}", capacity=400, staff_on_post=2000, monthly_wage=Decimal("5000")
        )
        for c in companies
        for j in range(3)
    ]
    mentors = [Mentor.objects.create(company=p.company, post=p, name=f"师傅{p.pk}") for p in posts]
    born = datetime.date(2006, 1, 1)
    students = Student.objects.bulk_create(
        [
            Student(
                school=school,
                cohort=cohorts[i % 3],
                name=f"学生{i}",
                resident_id=compose_resident_id(
                    "110105", born + datetime.timedelta(days=i // 400), i % 400 + 1
                ),
                birth_date=born + datetime.timedelta(days=i // 400),
                sex="M" if (i % 400 + 1) % 2 else "F",
                student_number=f"S{i:06d}",
            )
            for i in range(STUDENTS)
        ]
    )
    statuses = list(PlacementStatus)
    Placement.objects.bulk_create(
        [
            Placement(
                pilot=pilot,
                student=students[i],
                post=posts[i % len(posts)],
                mentor=mentors[i % len(mentors)],
                status=statuses[i % len(statuses)],
                start_date=datetime.date(2026, 9, 1),
                end_date=datetime.date(2027, 1, 31),
                monthly_pay=Decimal("4200"),
            )
            for i in range(PLACEMENTS)
        ]
    )
    return {
        "coordinator": User.objects.create(username="b-coord", role=Role.COORDINATOR, school=school),
        "hr": User.objects.create(username="b-hr", role=Role.HR, company=companies[0]),
        "bureau": User.objects.create(username="b-bureau", role=Role.BUREAU),
    }


PAGES = [
    ("coordinator", "/school/"),
    ("coordinator", "/school/students/"),
    ("coordinator", "/school/students/?q=学生12&cohort="),
    ("coordinator", "/school/placements/?status=active"),
    ("coordinator", "/school/cohorts/"),
    ("hr", "/company/"),
    ("hr", "/company/placements/"),
    ("bureau", "/bureau/"),
    ("bureau", "/bureau/export/placements.xlsx"),
]


def main() -> None:
    with bench_database():
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext, setup_test_environment

        setup_test_environment()  # the test client's host name, and the locmem mail backend

        users = build()
        print(f"{STUDENTS} students, {PLACEMENTS} placements; median of {RUNS} requests")
        for role, url in PAGES:
            client = Client()
            client.force_login(users[role])
            assert client.get(url).status_code == 200, url
            times = []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - t0)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            print(
                f"  {role:<12} {url:<40} {statistics.median(times) * 1000:7.1f} ms  {len(queries):3d} queries"
            )


if __name__ == "__main__":
    main()
