"""The sealed attendance record (考勤记录): a placement's attested days, corrections, make-ups and approved leave as
a PDF signed with the platform's certificate (contracts.attendance_record), recognised by the public /verify like a
sealed agreement (registered with backend.signing.sealing at start-up)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role
from backend.core.audit import audit_record
from backend.core.clock import RULES_ZONE
from backend.core.errors import ApplicationError
from backend.placements.models import Placement

from . import chain
from .models import (
    AttendanceRecord,
    LeaveRequest,
    PeriodStatus,
    RequestStatus,
    SealedAttendanceRecord,
    TeacherAssignment,
    WorkPeriod,
)

if TYPE_CHECKING:
    from backend.signing.sealing import SealedDocument


def can_download(user: Any, placement: Placement) -> bool:
    """The apprentice, the school (its coordinator, the assigned teacher) and the company (its HR, the mentor) of
    that placement only."""
    role = getattr(user, "role", None)
    return bool(
        (role == Role.STUDENT and user.student_id == placement.student_id)
        or (role == Role.COORDINATOR and user.school_id == placement.pilot.school_id)
        or (role == Role.HR and user.company_id == placement.post.company_id)
        or (role == Role.MENTOR and user.mentor_id and user.mentor_id == placement.mentor_id)
        or (
            role == Role.TEACHER
            and TeacherAssignment.objects.filter(placement=placement, teacher_id=user.pk).exists()
        )
    )


def _hm(at: dt.datetime | None) -> str:
    return at.astimezone(RULES_ZONE).strftime("%H:%M") if at else "—"


def _name(user: Any) -> str:
    return (user.display_name or user.username) if user else ""


def sheet_values(placement: Placement) -> dict[str, Any]:
    """The record's content as plain values (what the content hash covers; no time of generation)."""
    periods = list(
        WorkPeriod.objects.filter(placement=placement, status=PeriodStatus.ATTESTED)
        .select_related("clock_in", "clock_out", "attested_by")
        .order_by("day", "attested_start", "id")
    )
    total = Decimal(0)
    rows = []
    for p in periods:
        assert p.attested_start and p.attested_end
        hours = Decimal((p.attested_end - p.attested_start).total_seconds() / 3600).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
        total += hours
        mark_in = "（补卡）" if p.clock_in.makeup else ""
        mark_out = "（补卡）" if p.clock_out and p.clock_out.makeup else ""
        notes = []
        if p.corrected:
            notes.append(f"师傅更正 corrected: {p.correction_reason}")
        if p.student_response == "disputed":
            notes.append(f"学徒异议 disputed: {p.dispute_note}")
        elif p.student_response == "accepted":
            notes.append("学徒认可 accepted")
        if mark_in or mark_out:
            notes.append("补卡 make-up")
        rows.append(
            {
                "day": p.day.isoformat(),
                "clocked": f"{_hm(p.clock_in.at)}{mark_in}-{_hm(p.clock_out.at if p.clock_out else None)}{mark_out}",
                "attested": f"{_hm(p.attested_start)}-{_hm(p.attested_end)}",
                "hours": str(hours),
                "attested_by": _name(p.attested_by),
                "note": "；".join(notes),
            }
        )
    leave = [
        {
            "kind": str(x.get_kind_display()),
            "dates": f"{x.start_date}～{x.end_date}",
            "hours": str(x.hours),
            "approved_by": f"{_name(x.mentor_by)}（师傅 mentor）、{_name(x.teacher_by)}（指导教师 teacher）",
        }
        for x in LeaveRequest.objects.filter(placement=placement, status=RequestStatus.APPROVED)
        .select_related("mentor_by", "teacher_by")
        .order_by("start_date", "id")
    ]
    last = AttendanceRecord.objects.filter(placement=placement).order_by("-seq").first()
    return {
        "reference": f"ATT-{placement.pk}",
        "student": placement.student.name,
        "school": placement.pilot.school.name,
        "company": placement.post.company.name,
        "post": placement.post.title,
        "span": f"{placement.start_date}～{placement.end_date}",
        "chain_head": last.hash if last else chain.GENESIS,
        "chain_length": last.seq if last else 0,
        "periods": rows,
        "leave": leave,
        "total_hours": str(total),
    }


@transaction.atomic
def attendance_record_seal(*, actor: Any, placement: Placement) -> SealedAttendanceRecord:
    """The placement's sealed attendance record now: the stored one when nothing changed since, else a new one."""
    from backend.signing.sealing import get_sealer, verification_url
    from contracts.attendance_record import AttendanceSheet, SheetLeave, SheetPeriod, seal_attendance_pdf

    placement = Placement.objects.select_related("student", "pilot__school", "post__company").get(
        pk=placement.pk
    )
    if not can_download(actor, placement):
        raise ApplicationError(
            "NOT_FOUND", "未找到该学徒岗位安排", "placement not found", status=404
        )  # the same answer as for an unknown placement
    values = sheet_values(placement)
    content_sha256 = hashlib.sha256(chain.canonical(values).encode("utf-8")).hexdigest()
    existing = SealedAttendanceRecord.objects.filter(
        placement=placement, content_sha256=content_sha256
    ).first()
    if existing is not None:
        return existing
    now = timezone.now()
    sheet = AttendanceSheet(
        **{k: v for k, v in values.items() if k not in ("periods", "leave")},
        generated_at=now.astimezone(RULES_ZONE).strftime("%Y-%m-%d %H:%M (UTC+8)"),
        verify_url=verification_url(),
        periods=[SheetPeriod(**row) for row in values["periods"]],
        leave=[SheetLeave(**row) for row in values["leave"]],
    )
    sealed = seal_attendance_pdf(sheet, get_sealer())
    record = SealedAttendanceRecord(
        placement=placement,
        sha256=sealed.sha256,
        content_sha256=content_sha256,
        periods=len(values["periods"]),
        total_hours=Decimal(values["total_hours"]),
        chain_head=values["chain_head"],
        chain_length=values["chain_length"],
        sealed_at=now,
        sealed_by=actor,
    )
    record.pdf.save(f"ATT-{placement.pk}-{sealed.sha256[:12]}.pdf", ContentFile(sealed.pdf), save=False)
    record.save()
    audit_record(actor=actor, action="attendance.record_seal", obj=record, changes={"sha256": sealed.sha256})
    return record


def verify_lookup(sha256: str) -> SealedDocument | None:
    """For backend.signing's /verify: what anyone holding a sealed attendance record may learn of it (no ID or
    phone numbers)."""
    from backend.signing.sealing import SealedDocument  # signing builds on much else: import late

    record = (
        SealedAttendanceRecord.objects.select_related("placement__student", "placement__post__company")
        .filter(sha256=sha256)
        .first()
    )
    if record is None:
        return None
    p = record.placement
    return SealedDocument(
        record={
            "kind": "attendance",
            "title": "学徒考勤记录 / Attendance record",
            "reference": f"ATT-{p.pk}",
            "student": p.student.name,
            "company": p.post.company.name,
            "periods": record.periods,
            "total_hours": str(record.total_hours),
            "chain_head": record.chain_head,
            "chain_length": record.chain_length,
            "sealed_at": record.sealed_at.isoformat(),
        }
    )
