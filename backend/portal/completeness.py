"""What a placement still lacks before its agreement can be generated, each with the page that fixes it.

The agreements app decides what an agreement needs (backend.agreements.context.agreement_context_build and its
AGREEMENT_DATA_MISSING refusal); this module asks it, and labels each missing field in the page's language.
With the placement's stages, policies and guardians prefetched it costs no query per placement.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from backend.core.errors import ApplicationError
from backend.placements.models import Placement, PlacementStatus
from backend.portal.access import error_text
from backend.rules.selectors import PolicyBook

# Field path of AGREEMENT_DATA_MISSING -> (label, where it is fixed: "placement#anchor", "student" or "company")
FIELDS: dict[str, tuple[Any, str]] = {
    "student.resident_id": (_("学生身份证号"), "student"),
    "guardian": (_("监护人"), "student"),
    "guardian.phone": (_("监护人电话"), "student"),
    "mentor": (_("企业师傅"), "placement#teacher"),
    "supervising_teacher": (_("学校指导教师"), "placement#teacher"),
    "stages": (_("培养阶段"), "placement#stages"),
    "post.monthly_wage": (_("同岗位职工月工资（由企业填写）"), "company"),
    "period.place": (_("培养地点（由企业填写岗位工作地点）"), "company"),
    "insurance.liability": (_("实习责任保险"), "placement#insurance"),
    "insurance.work_injury": (_("工伤保险"), "placement#insurance"),
}
CHECKED = (PlacementStatus.PROPOSED, PlacementStatus.SIGNING)


@dataclass(frozen=True)
class Missing:
    field: str
    label: str
    url: str  # "" when the coordinator cannot fix it in the portal (the company's data)


def with_completeness(queryset: QuerySet[Placement]) -> QuerySet[Placement]:
    """The joins agreement_context_build reads, done up front."""
    return queryset.select_related(
        "student__cohort__program", "post__company", "mentor", "pilot__school"
    ).prefetch_related("stages", "insurance_policies", "student__guardians")


def _url(placement: Placement, where: str) -> str:
    if where.startswith("placement"):
        anchor = where.partition("#")[2]
        return reverse("portal:school-placement-edit", args=[placement.pk]) + (f"#{anchor}" if anchor else "")
    if where == "student":
        return reverse("portal:school-student", args=[placement.student_id])
    return ""


def agreement_missing(placement: Placement, *, book: PolicyBook | None = None) -> list[Missing]:
    """Every fact the agreement still needs, or [] when it can be generated (or the placement is past that).
    `book`: the policy versions loaded once for a page of placements."""
    from backend.agreements.context import agreement_context_build, placement_agreement_kind

    if placement.status not in CHECKED:
        return []
    policy = book.policy(pilot_id=placement.pilot_id, on=placement.start_date) if book else None
    try:
        kind = placement_agreement_kind(placement, policy=policy)
    except ApplicationError:
        fields = ["student.resident_id"]
    else:
        try:
            agreement_context_build(placement=placement, kind=kind, number="", rules_policy=policy)
        except ApplicationError as exc:
            if exc.code != "AGREEMENT_DATA_MISSING":  # e.g. PAY_FLOOR: the refusal says what is wrong
                return [
                    Missing(field=exc.code, label=error_text(exc), url=_url(placement, "placement#teacher"))
                ]
            details = exc.details if isinstance(exc.details, dict) else {}
            fields = list(details.get("fields") or [])
        else:
            fields = []
    out = []
    for name in fields:
        label, where = FIELDS.get(name, (name, ""))
        out.append(Missing(field=name, label=str(label), url=_url(placement, where)))
    return out


def attach_missing(placements: Any) -> None:
    """placement.missing for each placement of a page (prefetched with with_completeness)."""
    placements = list(placements)
    book = PolicyBook() if placements else None  # every policy version in one query, not one per placement
    for placement in placements:
        placement.missing = agreement_missing(placement, book=book)
