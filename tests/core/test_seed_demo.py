import datetime
import io
import re

import pytest
from django.core.management import call_command

from backend.accounts.models import Role, User
from backend.demo.data import REFERENCE_DATE
from backend.placements.models import Placement, PlacementStatus
from backend.schools.models import Student


@pytest.mark.libreoffice
def test_seed_demo_builds_the_data_set_and_tells_the_story_through_the_real_services(
    transactional_db, capsys
):
    # when
    call_command("seed_demo")
    # then the data set the issue asks for
    students = list(Student.objects.select_related("cohort"))
    ages = [s.age_on(REFERENCE_DATE) for s in students]
    assert len(students) == 120
    assert sum(1 for a in ages if a < 16) >= 3
    assert sum(1 for a in ages if a in (16, 17)) >= 12
    assert any(s.cohort.entry_year == 2026 for s in students)  # first-years
    assert {u.role for u in User.objects.all()} >= {r.value for r in Role}
    # and three apprenticeships that went the whole way: sealed agreement, activation, a week of work
    active = Placement.objects.filter(status=PlacementStatus.ACTIVE)
    assert active.count() == 3
    for placement in active:
        agreement = placement.agreements.get()
        assert agreement.status == "signed"
        assert placement.events.filter(to_status="active").exists()
    from backend.rules.models import Violation
    from backend.signing.models import SealedAgreement
    from backend.subsidy.models import Claim

    assert SealedAgreement.objects.count() == 3
    assert Violation.objects.filter(rule_code="DAILY_HOURS", status="open").exists()
    assert set(Claim.objects.values_list("status", flat=True)) >= {"paid", "approved"}
    assert "Demo story: 3 active apprenticeships" in capsys.readouterr().out
    # and running it again changes nothing
    call_command("seed_demo")
    assert Student.objects.count() == 120 and Placement.objects.count() == 3


def test_demo_ids_are_deterministic():
    import random

    from backend.demo.data import birth_date_for

    assert birth_date_for(random.Random(1), 18) == birth_date_for(random.Random(1), 18)
    assert birth_date_for(random.Random(1), 18) < datetime.date(2008, 9, 1)


def test_demo_logins_lists_one_login_per_role_with_the_password(db):
    # given the demo data without its story
    from backend.demo.data import DEMO_PASSWORD, seed_demo

    seed_demo()
    out = io.StringIO()
    # when
    call_command("demo_logins", stdout=out)
    # then
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for username in ("admin", "bureau", "coord1", "hr1", "mentor1", "student1", "student2", "guardian1"):
        assert re.search(rf"^\s+{username}\s", text, re.M), username
