"""Reads for the rules: the policy in force, the holiday calendar, shifts and violations (scoped)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from backend.accounts.scoping import scope_queryset

from .calendar import calendar_from_rows
from .models import Holiday, PolicyVersion, Shift, Violation
from .policy import NATIONAL_DEFAULT, Policy
from .worktime import Calendar


class PolicyBook:
    """Every policy version, loaded once; picks the version in force for a pilot on a date."""

    def __init__(self, versions: Iterable[PolicyVersion] | None = None) -> None:
        rows = list(versions if versions is not None else PolicyVersion.objects.order_by("valid_from"))
        self._national = sorted((v for v in rows if v.pilot_id is None), key=lambda v: v.valid_from)
        self._local: dict[int, list[PolicyVersion]] = {}
        for v in rows:
            if v.pilot_id is not None:
                self._local.setdefault(v.pilot_id, []).append(v)
        for versions_of_pilot in self._local.values():
            versions_of_pilot.sort(key=lambda v: v.valid_from)
        self._cache: dict[tuple[int | None, datetime.date], Policy] = {}

    @staticmethod
    def _latest(rows: list[PolicyVersion], on: datetime.date) -> PolicyVersion | None:
        found = None
        for v in rows:
            if v.valid_from <= on:
                found = v
        return found

    def policy(self, *, pilot_id: int | None, on: datetime.date) -> Policy:
        key = (pilot_id, on)
        if key not in self._cache:
            national = self._latest(self._national, on)
            base = (
                Policy.from_dict({**national.figures, "code": national.code})
                if national
                else NATIONAL_DEFAULT
            )
            local = self._latest(self._local.get(pilot_id, []), on) if pilot_id else None
            self._cache[key] = (
                Policy.from_dict({**local.figures, "code": local.code}, base=base) if local else base
            )
        return self._cache[key]


def policy_for_placement(placement: Any) -> Policy:
    """The policy version in force on the placement's start date (a later change never rewrites it)."""
    return PolicyBook(
        PolicyVersion.objects.filter(pilot__isnull=True)
        | PolicyVersion.objects.filter(pilot_id=placement.pilot_id)
    ).policy(pilot_id=placement.pilot_id, on=placement.start_date)


def calendar_between(lo: datetime.date, hi: datetime.date) -> Calendar:
    rows = Holiday.objects.filter(date__gte=lo, date__lte=hi).values("date", "kind", "name", "name_zh")
    return calendar_from_rows(rows)


def shift_list(*, user: Any, placement_id: int | None = None) -> QuerySet[Shift]:
    qs = Shift.objects.select_related("placement")
    if placement_id:
        qs = qs.filter(placement_id=placement_id)
    return scope_queryset(user, qs)


def violation_list(*, user: Any) -> QuerySet[Violation]:
    return scope_queryset(user, Violation.objects.select_related("placement__student", "placement__post"))
