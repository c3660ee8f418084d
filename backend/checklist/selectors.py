"""Reads for the checklist: each item of a placement done or missing, the gate results for activation, and the
scoped lists the portal and the API show. Nothing here writes."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from backend.accounts.scoping import scope_queryset
from backend.placements.models import Placement
from backend.rules import gates
from backend.rules.codes import RuleCode

from .models import (
    ConsentDocument,
    ConsentRecord,
    ConsentStatus,
    Filing,
    HostApproval,
    HostVisit,
    PilotDocument,
    PilotDocumentKind,
    ProvinceApproval,
    SafetyTraining,
)
from .provinces import first_province, province_of_credit_code


@dataclass(frozen=True)
class Item:
    """One checklist item of a placement: done or missing, with the sentence that says what is missing."""

    code: str
    done: bool
    message: str = ""
    message_en: str = ""
    figures: dict[str, Any] | None = None


def school_province(placement: Placement) -> str | None:
    school = placement.pilot.school
    return first_province(school.region, school.address)


def site_province(placement: Placement) -> str | None:
    post = placement.post
    company = post.company
    return first_province(post.location, company.address) or province_of_credit_code(company.credit_code)


# The dated items that must not be dated after the placement's start (docs/checklist.md, "Dates").
DATED_CODES = (
    RuleCode.HOST_VISIT.value,
    RuleCode.CONSENT.value,
    RuleCode.FILING.value,
    RuleCode.SAFETY_TRAINING.value,
    RuleCode.OUT_OF_PROVINCE.value,
)


def _earliest(pairs: Any) -> dict[Any, datetime.date]:
    out: dict[Any, datetime.date] = {}
    for key, day in pairs:
        if key not in out or day < out[key]:
            out[key] = day
    return out


def checklist_dates(placements: Sequence[Placement]) -> dict[int, dict[str, datetime.date]]:
    """Per saved placement, the date each dated item it has counts from: the earliest visit of the company by
    the school, the later of the two consent signatures, the earliest filing, training and department approval
    that include it. An item dated after the placement's start does not count (`checklist_status`)."""
    rows = [p for p in placements if p.pk is not None]
    ids = [p.pk for p in rows]
    companies = {p.post.company_id for p in rows}
    visits = _earliest(
        ((school, company), day)
        for school, company, day in HostVisit.objects.filter(company_id__in=companies).values_list(
            "pilot__school_id", "company_id", "visited_on"
        )
    )
    consents = _earliest(
        [
            (pk, max(student_on, guardian_on))
            for pk, student_on, guardian_on in ConsentRecord.objects.filter(placement_id__in=ids).values_list(
                "placement_id", "student_signed_on", "guardian_signed_on"
            )
        ]
        + [
            (pk, timezone.localdate(sealed_at))
            for pk, sealed_at in ConsentDocument.objects.filter(
                placement_id__in=ids, status=ConsentStatus.SEALED, signing_envelope__sealed__isnull=False
            ).values_list("placement_id", "signing_envelope__sealed__sealed_at")
        ]
    )
    filed = _earliest(
        Filing.placements.through.objects.filter(placement_id__in=ids).values_list(
            "placement_id", "filing__filed_on"
        )
    )
    trained = _earliest(
        SafetyTraining.attendees.through.objects.filter(placement_id__in=ids).values_list(
            "placement_id", "safetytraining__held_on"
        )
    )
    allowed = _earliest(
        ProvinceApproval.placements.through.objects.filter(placement_id__in=ids).values_list(
            "placement_id", "provinceapproval__approved_on"
        )
    )
    out: dict[int, dict[str, datetime.date]] = {}
    for p in rows:
        found = {
            RuleCode.HOST_VISIT.value: visits.get((p.pilot.school_id, p.post.company_id)),
            RuleCode.CONSENT.value: consents.get(p.pk),
            RuleCode.FILING.value: filed.get(p.pk),
            RuleCode.SAFETY_TRAINING.value: trained.get(p.pk),
            RuleCode.OUT_OF_PROVINCE.value: allowed.get(p.pk),
        }
        out[p.pk] = {code: day for code, day in found.items() if day is not None}
    return out


def checklist_status(placements: Sequence[Placement]) -> dict[int, dict[str, bool]]:
    """Per saved placement, each checklist code it needs and whether it is done; in a fixed number of queries.
    OUT_OF_PROVINCE appears only for a placement whose work site lies in another province than the school. A dated
    item (DATED_CODES) is done only when dated on or before the placement's start."""
    rows = [p for p in placements if p.pk is not None]
    pilots = {p.pilot_id for p in rows}
    companies = {p.post.company_id for p in rows}
    approvals = set(
        HostApproval.objects.filter(company_id__in=companies).values_list("school_id", "company_id")
    )
    documents = set(PilotDocument.objects.filter(pilot_id__in=pilots).values_list("pilot_id", "kind"))
    dates = checklist_dates(rows)
    out: dict[int, dict[str, bool]] = {}
    for p in rows:
        school_id, company_id = p.pilot.school_id, p.post.company_id
        dated = dates[p.pk]

        def on_time(code: str) -> bool:
            return code in dated and dated[code] <= p.start_date  # noqa: B023 (used at once, in this iteration)

        status = {
            RuleCode.HOST_VISIT.value: on_time(RuleCode.HOST_VISIT.value),
            RuleCode.HOST_APPROVED.value: (school_id, company_id) in approvals,
            RuleCode.PLACEMENT_PLAN.value: all((p.pilot_id, k.value) in documents for k in PilotDocumentKind),
            RuleCode.CONSENT.value: on_time(RuleCode.CONSENT.value),
            RuleCode.FILING.value: on_time(RuleCode.FILING.value),
            RuleCode.SAFETY_TRAINING.value: on_time(RuleCode.SAFETY_TRAINING.value),
        }
        home, site = school_province(p), site_province(p)
        if home and site and home != site:
            status[RuleCode.OUT_OF_PROVINCE.value] = on_time(RuleCode.OUT_OF_PROVINCE.value)
        out[p.pk] = status
    return out


@dataclass(frozen=True)
class ConsentState:
    """How a placement's informed consent stands: the online form (newest live version, who has signed) and
    the paper form recorded on site. `via` names what ticks CONSENT: "online", "paper" or ""."""

    via: str
    document: ConsentDocument | None
    record: ConsentRecord | None
    signed: tuple[str, ...] = ()  # parties who have signed the online form: "student", "guardian"
    waiting: tuple[str, ...] = ()  # parties still to sign it


def consent_states(placements: Sequence[Placement]) -> dict[int, ConsentState]:
    """Per saved placement, in a fixed number of queries."""
    from backend.signing.models import RequestStatus, SignatureRequest

    ids = [p.pk for p in placements if p.pk is not None]
    documents: dict[int, ConsentDocument] = {}
    for live in ConsentDocument.objects.filter(placement_id__in=ids).exclude(status=ConsentStatus.VOID):
        documents[live.placement_id] = live
    records = {r.placement_id: r for r in ConsentRecord.objects.filter(placement_id__in=ids)}
    parties: dict[int, list[tuple[str, str]]] = {}
    for consent_id, party, status in (
        SignatureRequest.objects.filter(envelope__consent__in=documents.values())
        .order_by("position")
        .values_list("envelope__consent_id", "party", "status")
    ):
        parties.setdefault(consent_id, []).append((party, status))
    out = {}
    for pk in ids:
        document, record = documents.get(pk), records.get(pk)
        requests = parties.get(document.pk, []) if document else []
        sealed = document is not None and document.status == ConsentStatus.SEALED
        out[pk] = ConsentState(
            via="online" if sealed else ("paper" if record else ""),
            document=document,
            record=record,
            signed=tuple(p for p, s in requests if s == RequestStatus.SIGNED),
            waiting=tuple(p for p, s in requests if s != RequestStatus.SIGNED),
        )
    return out


_PARTY_WORDS = {"student": ("学生", "the student"), "guardian": ("监护人", "the guardian")}


def consent_sentence(state: ConsentState, student: str) -> tuple[str, str]:
    """What the CONSENT item says: which form ticks it, or what is still missing."""
    if state.via == "online":
        assert state.document is not None
        return (
            f"知情同意书已由学生和监护人在线签署并封存（{state.document.number}）",
            f"the informed-consent form was signed online by student and guardian and sealed "
            f"({state.document.number})",
        )
    if state.via == "paper":
        return (
            "纸质知情同意书（现场签署，已登记）",
            "a paper consent form signed on site, recorded",
        )
    if state.document is not None and state.waiting:
        zh = "、".join(_PARTY_WORDS[p][0] for p in state.waiting if p in _PARTY_WORDS)
        en = " and ".join(_PARTY_WORDS[p][1] for p in state.waiting if p in _PARTY_WORDS)
        return (
            f"学生 {student} 的知情同意书（{state.document.number}）已发出在线签署，尚待{zh}签署",
            f"the informed-consent form of student {student} ({state.document.number}) is out for signing; "
            f"{en} still to sign",
        )
    return (
        f"学生 {student} 的知情同意书（学生及监护人签署）尚未签署封存，也未登记纸质同意书",
        f"the informed-consent form of student {student} (signed by student and guardian) is neither signed "
        "online and sealed nor recorded on paper",
    )


def checklist_items(placement: Placement) -> list[Item]:
    """Every item of the "八个事先" checklist for one saved placement, with what is missing in words."""
    pilot, company = placement.pilot, placement.post.company
    student = placement.student.name
    status = checklist_status([placement])[placement.pk]
    consent = consent_states([placement])[placement.pk]
    dates = checklist_dates([placement])[placement.pk]
    start = placement.start_date
    kinds = set(PilotDocument.objects.filter(pilot_id=pilot.pk).values_list("kind", flat=True))
    missing = [k for k in PilotDocumentKind if k not in kinds]
    home, site = school_province(placement), site_province(placement)
    texts: dict[str, tuple[str, str, dict[str, Any]]] = {
        RuleCode.HOST_VISIT: (
            f"学校尚无对企业 {company.name} 的走访报告",
            f"the school has no visit report on company {company.name}",
            {"company": company.pk},
        ),
        RuleCode.HOST_APPROVED: (
            f"企业 {company.name} 尚未列入学校的合作企业名单",
            f"company {company.name} is not on the school's approved list of hosts",
            {"company": company.pk},
        ),
        RuleCode.PLACEMENT_PLAN: (
            f"试点项目 {pilot.name} 缺少：" + "、".join(str(k.label) for k in missing),
            f"pilot {pilot.name} lacks: " + ", ".join(k.value.replace("_", " ") for k in missing),
            {"missing": [k.value for k in missing]},
        ),
        RuleCode.CONSENT: (*consent_sentence(consent, student), {"via": consent.via}),
        RuleCode.FILING: (
            f"学生 {student} 的实习尚未向教育行政部门备案",
            f"the placement of student {student} is not filed with the education department",
            {},
        ),
        RuleCode.SAFETY_TRAINING: (
            f"学生 {student} 尚无岗前安全培训记录",
            f"student {student} has no recorded pre-placement safety training",
            {},
        ),
        RuleCode.OUT_OF_PROVINCE: (
            f"实习地点在{site}，学校在{home}，跨省实习须经教育行政部门批准",
            f"the work site is in {site} and the school in {home}: "
            "a placement in another province needs the department's approval",
            {"school_province": home, "site_province": site},
        ),
    }
    late_texts: dict[str, tuple[str, str]] = {
        RuleCode.HOST_VISIT: (
            f"企业 {company.name} 的走访报告",
            f"the visit report on company {company.name}",
        ),
        RuleCode.CONSENT: (f"学生 {student} 的知情同意书签署", f"the informed consent of student {student}"),
        RuleCode.FILING: (f"学生 {student} 的实习备案", f"the filing of student {student}'s placement"),
        RuleCode.SAFETY_TRAINING: (
            f"学生 {student} 的岗前安全培训",
            f"the pre-placement safety training of student {student}",
        ),
        RuleCode.OUT_OF_PROVINCE: (
            f"学生 {student} 的跨省实习审批",
            f"the department's approval of student {student}'s placement in another province",
        ),
    }
    items = []
    for code, done in status.items():
        late_on = dates.get(code)
        if not done and late_on is not None and late_on > start:
            zh, en = late_texts[code]
            items.append(
                Item(
                    code,
                    False,
                    f"{zh}日期（{late_on:%Y-%m-%d}）晚于实习开始日期（{start:%Y-%m-%d}），须在开始前完成",
                    f"{en} is dated {late_on:%Y-%m-%d}, after the placement's start on {start:%Y-%m-%d}: "
                    "it must be done before the start",
                    {"date": late_on.isoformat(), "start_date": start.isoformat(), "late": True},
                )
            )
        else:
            items.append(Item(code, done, *texts[code]))
    return items


def consent_document_list(*, user: Any) -> QuerySet[ConsentDocument]:
    return scope_queryset(
        user, ConsentDocument.objects.select_related("placement__student", "placement__post__company")
    )


def checklist_gate_results(placement: Placement, stage: str) -> list[gates.GateResult]:
    """The gate source (registered in ChecklistConfig.ready): every missing item refuses activation."""
    if stage != gates.ACTIVATE or placement.pk is None:
        return []
    return [
        gates.GateResult(item.code, gates.ERROR, item.figures or {}, item.message, item.message_en)
        for item in checklist_items(placement)
        if not item.done
    ]


# -- scoped lists -------------------------------------------------------------------------------------------------


def host_visit_list(*, user: Any) -> QuerySet[HostVisit]:
    return scope_queryset(
        user, HostVisit.objects.select_related("pilot", "company").prefetch_related("photos")
    )


def host_approval_list(*, user: Any) -> QuerySet[HostApproval]:
    return scope_queryset(user, HostApproval.objects.select_related("school", "company"))


def pilot_document_list(*, user: Any) -> QuerySet[PilotDocument]:
    return scope_queryset(user, PilotDocument.objects.select_related("pilot"))


def consent_list(*, user: Any) -> QuerySet[ConsentRecord]:
    return scope_queryset(user, ConsentRecord.objects.select_related("placement__student"))


def filing_list(*, user: Any) -> QuerySet[Filing]:
    return scope_queryset(user, Filing.objects.select_related("pilot").prefetch_related("placements"))


def safety_training_list(*, user: Any) -> QuerySet[SafetyTraining]:
    return scope_queryset(user, SafetyTraining.objects.select_related("pilot").prefetch_related("attendees"))


def province_approval_list(*, user: Any) -> QuerySet[ProvinceApproval]:
    return scope_queryset(
        user, ProvinceApproval.objects.select_related("pilot").prefetch_related("placements")
    )
