"""Reads for schools: which schools a person oversees (the bureau's jurisdiction)."""

from typing import Any

from django.db.models import QuerySet

from .models import Bureau, School


def schools_overseen(*, user: Any) -> QuerySet[School]:
    """The schools whose returns a user oversees: a bureau account, the schools under its education departments
    (`Bureau`); a bureau account tied to no department, and an administrator, every school (the platform's own
    overseer, as everywhere else in xuetu); a coordinator, the own school; anyone else, none."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return School.objects.none()
    if getattr(user, "role", "") == "bureau":
        bureaus = Bureau.objects.filter(members=user)
        if bureaus.exists():
            return School.objects.filter(bureaus__in=bureaus).distinct()
        return School.objects.all()
    if getattr(user, "sees_everything", False):
        return School.objects.all()
    if getattr(user, "role", "") == "coordinator" and user.school_id:
        return School.objects.filter(pk=user.school_id)
    return School.objects.none()


def bureaus_of(*, user: Any) -> QuerySet[Bureau]:
    return (
        Bureau.objects.filter(members=user).order_by("name")
        if getattr(user, "pk", None)
        else Bureau.objects.none()
    )
