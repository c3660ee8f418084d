"""`manage.py createsuperuser` makes a platform administrator (it crashed on student_has_student before)."""

import pytest
from django.core.management import call_command

from backend.accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_createsuperuser_makes_an_administrator(monkeypatch):
    # given the password in the environment, as an operator scripts it
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-unguessable-passphrase-42")
    # when
    call_command("createsuperuser", interactive=False, username="ops", email="ops@example.org", verbosity=0)
    # then
    user = User.objects.get(username="ops")
    assert (user.role, user.is_superuser, user.is_staff) == (Role.ADMIN, True, True)
    assert user.school is None and user.company is None and user.student is None
    assert user.check_password("a-long-unguessable-passphrase-42")
    assert user.sees_everything


def test_create_superuser_keeps_an_explicit_role():
    user = User.objects.create_superuser("bureau-ops", password="x-long-pass-123", role=Role.BUREAU)
    assert user.role == Role.BUREAU


def test_an_ordinary_user_still_defaults_to_student_and_needs_a_student_record():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError, match="student_has_student"), transaction.atomic():
        User.objects.create_user("someone", password="x-long-pass-123")
    assert User.objects.filter(username="someone").count() == 0
