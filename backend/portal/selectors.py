"""Reads for the portal's dashboards and lists. Every queryset goes through the tenant scope."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from backend.accounts.scoping import scope_queryset
from backend.companies.models import Mentor, Post
from backend.notices.models import Notice
from backend.placements.models import PilotProject, Placement, PlacementStatus
from backend.schools.models import Cohort, Program, Student


@dataclass
class Series:
    """One dashboard figure: a total and the labelled values behind its chart."""

    labels: list[str] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    headline: Any = (
        None  # the figure shown when it is not the sum of the values (e.g. granted of granted/paid)
    )
    url: str = ""  # the list behind the headline figure
    urls: list[str] = field(default_factory=list)  # the list behind each value, in the order of the values

    @property
    def total(self) -> Any:
        if self.headline is not None:
            return self.headline
        return sum(self.values) if self.values else 0

    def rows(self) -> list[tuple[str, str, Any]]:
        return list(zip(self.keys, self.labels, self.values, strict=True))

    def linked_rows(self) -> list[tuple[str, Any, str]]:
        """(label, value, url of the list behind it) for each value; the url is "" where no list exists."""
        urls = self.urls or [""] * len(self.values)
        return list(zip(self.labels, self.values, urls, strict=True))

    def link(self, url_for_key: Any, total_url: str = "") -> "Series":
        """Attach the list behind each value (url_for_key(key) -> url or "") and behind the headline."""
        self.urls = [url_for_key(k) or "" for k in self.keys]
        self.url = total_url
        return self


def placements_by_status(user: Any) -> Series:
    counts = dict(
        scope_queryset(user, Placement.objects.all())
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    series = Series()
    for status in PlacementStatus:
        series.keys.append(status.value)
        series.labels.append(str(status.label))
        series.values.append(counts.get(status.value, 0))
    return series


def placements_by_school(user: Any) -> list[dict[str, Any]]:
    """The bureau's table: one row per school with a count per status."""
    aggregates = {status.value: Count("id", filter=Q(status=status.value)) for status in PlacementStatus}
    rows = (
        scope_queryset(user, Placement.objects.all())
        .values("pilot__school__id", "pilot__school__name")
        .annotate(total=Count("id"), **aggregates)
        .order_by("pilot__school__name")
    )
    result = []
    for r in rows:
        row: dict[str, Any] = dict(r)
        result.append(
            {
                "school": row["pilot__school__name"],
                "counts": [row[s.value] for s in PlacementStatus],
                "total": row["total"],
            }
        )
    return result


def pilot_list(user: Any) -> QuerySet[PilotProject]:
    return (
        scope_queryset(user, PilotProject.objects.all())
        .select_related("school", "program")
        .prefetch_related("companies")
        .annotate(placement_count=Count("placements", distinct=True))
        .order_by("-year", "name")
    )


def program_list(user: Any) -> QuerySet[Program]:
    return (
        scope_queryset(user, Program.objects.all())
        .annotate(
            cohort_count=Count("cohorts", distinct=True),
            student_count=Count("cohorts__students", distinct=True),
        )
        .order_by("name")
    )


def cohort_list(user: Any) -> QuerySet[Cohort]:
    return (
        scope_queryset(user, Cohort.objects.all())
        .select_related("program")
        .annotate(student_count=Count("students"))
        .order_by("program__name", "-entry_year")
    )


def student_list(user: Any) -> QuerySet[Student]:
    return scope_queryset(user, Student.objects.all()).select_related("cohort__program")


def placement_list(user: Any) -> QuerySet[Placement]:
    return scope_queryset(user, Placement.objects.all()).select_related(
        "student__cohort__program", "post__company", "mentor", "pilot"
    )


def post_list(user: Any) -> QuerySet[Post]:
    return (
        scope_queryset(user, Post.objects.all())
        .annotate(taken=Count("placements", filter=Q(placements__status__in=PlacementStatus.LIVE)))
        .order_by("title", "id")
    )


def mentor_list(user: Any) -> QuerySet[Mentor]:
    return (
        scope_queryset(user, Mentor.objects.all())
        .select_related("post")
        .annotate(apprentices=Count("placements", filter=Q(placements__status__in=PlacementStatus.LIVE)))
        .order_by("name", "id")
    )


def notice_list(user: Any) -> QuerySet[Notice]:
    return scope_queryset(user, Notice.objects.all())
