"""The apprentice's record (学徒档案) as a PDF, sealed like an agreement and verifiable at /verify.

One document per apprentice: the plan version, the rotation with hours per post, every competency with who signed it
off and when (mentor and teacher), the evaluations by each party, an attendance summary and the agreement's number.
It is rendered with reportlab (the CJK font of the agreements' certificate page) and signed as a whole by the
platform's certificate (contracts.sealing.sign_pdf, PAdES, no later change permitted); each sealed copy is recorded
(SealedRecord: its SHA-256 and what /verify tells the holder), and backend.signing's /verify answers for it through
`verify_lookup` (registered in apps.py). One changed byte breaks the signature."""

from __future__ import annotations

import datetime
import hashlib
import io
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F, Sum
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backend.core.audit import actor_user, audit_record
from backend.core.clock import RULES_ZONE
from backend.rules.models import Shift, ShiftKind

from .models import (
    Evaluation,
    EvaluationStatus,
    Party,
    SealedRecord,
    SignOff,
    SignOffStatus,
    TrainingEnrolment,
)
from .selectors import enrolment_standard, rotation_progress

if TYPE_CHECKING:
    from backend.signing.sealing import SealedDocument

REASON = "xuetu apprentice record seal"


def _local(moment: datetime.datetime | None) -> str:
    return moment.astimezone(RULES_ZONE).strftime("%Y-%m-%d %H:%M") if moment else ""


def _agreement_number(enrolment: TrainingEnrolment) -> str:
    agreements = getattr(enrolment.placement, "agreements", None)
    if agreements is None:
        return ""
    return agreements.order_by("-id").values_list("number", flat=True).first() or ""


def _attendance(enrolment: TrainingEnrolment) -> tuple[int, str]:
    """Days with actual shifts and their hours over the whole placement."""
    shifts = Shift.objects.filter(placement_id=enrolment.placement_id, kind=ShiftKind.ACTUAL)
    total = shifts.aggregate(
        d=Sum(ExpressionWrapper(F("end_at") - F("start_at"), output_field=DurationField()))
    )["d"]
    days = {s.astimezone(RULES_ZONE).date() for s in shifts.values_list("start_at", flat=True)}
    hours = f"{(total.total_seconds() / 3600 if total else 0):.2f}"
    return len(days), hours


def signatories(enrolment: TrainingEnrolment) -> list[dict[str, str]]:
    """Everyone who signed something on the record: each sign-off's mentor and teacher, each evaluation's evaluator."""
    out = []
    for s in (
        SignOff.objects.filter(
            enrolment=enrolment, status__in=(SignOffStatus.SIGNED, SignOffStatus.CONFIRMED)
        )
        .select_related("competency")
        .order_by("competency__code")
    ):
        out.append(
            {
                "party": "企业师傅",
                "signer_name": s.mentor_name,
                "signed_at": s.mentor_at.isoformat() if s.mentor_at else "",
                "verification_method": f"能力签认 {s.competency.code}",
            }
        )
        if s.teacher_at:
            out.append(
                {
                    "party": "学校指导教师",
                    "signer_name": s.teacher_name,
                    "signed_at": s.teacher_at.isoformat(),
                    "verification_method": f"能力确认 {s.competency.code}",
                }
            )
    for e in Evaluation.objects.filter(enrolment=enrolment, status=EvaluationStatus.RECORDED).order_by(
        "party"
    ):
        out.append(
            {
                "party": str(Party(e.party).label),
                "signer_name": e.evaluator_name,
                "signed_at": e.created_at.isoformat(),
                "verification_method": "多方评价",
            }
        )
    return out


def render_record_pdf(enrolment: TrainingEnrolment, *, today: datetime.date, now: datetime.datetime) -> bytes:
    """The unsigned record PDF."""
    from contracts.sealing.certificate_page import register_font

    font = register_font()
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=16, leading=22)
    heading = ParagraphStyle("heading", parent=base, fontSize=11, leading=16, spaceBefore=8)
    placement = enrolment.placement
    plan = enrolment.plan

    def p(text: Any, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(str(text if text is not None else "")), style)

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        t = Table([[p(c) for c in row] for row in rows], colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    standard, _ = enrolment_standard(enrolment, today=today)
    days, hours = _attendance(enrolment)
    story: list[Any] = [
        p("学徒档案 Apprentice record", title),
        table(
            [
                ["项目 Item", "内容 Value"],
                ["学徒 Apprentice", placement.student.name],
                ["学校 School", placement.pilot.school.name],
                ["企业 Company", placement.post.company.name],
                ["岗位 Post", placement.post.title],
                ["企业师傅 Mentor", placement.mentor.name if placement.mentor else ""],
                ["学校指导教师 Teacher", placement.supervising_teacher],
                ["协议编号 Agreement number", _agreement_number(enrolment)],
                ["培养方案 Training plan", f"{plan.title} v{plan.version} (自 {plan.valid_from} 起适用)"],
                ["学徒期 Period", f"{placement.start_date} — {placement.end_date}"],
                [
                    "培养标准 Standard",
                    f"已达到 reached {_local(enrolment.standard_reached_at)}"
                    if enrolment.standard_reached_at
                    else "未达到 not reached: " + "、".join(standard.reasons),
                ],
            ],
            [50, 120],
        ),
        p("轮岗与学时 Rotation and hours per post", heading),
        table(
            [["顺序", "岗位 Post", "阶段 Stage", "应完成学时", "已完成学时", "开始", "结束"]]
            + [
                [
                    r["order"],
                    r["post"].title,
                    r["stage"].name,
                    r["planned_hours"],
                    r["done_hours"],
                    r["started_on"] or "",
                    r["ended_on"] or "",
                ]
                for r in rotation_progress(enrolment, today=today)
            ],
            [12, 40, 26, 22, 22, 24, 24],
        ),
        p("能力签认 Competencies (who signed off, when)", heading),
        table(
            [["能力 Competency", "状态", "企业师傅 Mentor", "学校指导教师 Teacher"]]
            + [
                [
                    f"{s.competency.code} {s.competency.name}",
                    s.get_status_display(),
                    f"{s.mentor_name} {_local(s.mentor_at)}",
                    f"{s.teacher_name} {_local(s.teacher_at)}",
                ]
                for s in SignOff.objects.filter(enrolment=enrolment)
                .select_related("competency")
                .order_by("competency__code", "created_at")
            ],
            [55, 30, 43, 43],
        ),
        p("多方评价 Evaluations", heading),
        table(
            [["评价方 Party", "结果 Result", "评价人 Evaluator", "证书/考试编号", "状态"]]
            + [
                [
                    e.get_party_display(),
                    e.get_grade_display() if e.grade else e.points,
                    e.evaluator_name,
                    e.certificate_number,
                    e.get_status_display(),
                ]
                for e in Evaluation.objects.filter(enrolment=enrolment).order_by("party", "created_at")
            ],
            [35, 25, 40, 40, 30],
        ),
        p("出勤汇总 Attendance", heading),
        p(f"实际出勤 {days} 天, 共 {hours} 学时 (actual shifts: {days} days, {hours} hours)"),
        Spacer(1, 6 * mm),
        p(
            f"本档案由平台于 {_local(now)} 封存(电子签章), 可在 {settings.XUETU_PUBLIC_URL}/verify 上传本文件验证。"
            f" Sealed by the platform; verify the file at {settings.XUETU_PUBLIC_URL}/verify."
        ),
    ]
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"学徒档案 {placement.student.name}",
        author="xuetu",
    ).build(story)
    return out.getvalue()


def _public_record(enrolment: TrainingEnrolment, sha256: str, now: datetime.datetime) -> dict[str, Any]:
    """What /verify tells whoever holds the file: no ID or phone numbers."""
    placement = enrolment.placement
    return {
        "info": {
            "reference": _agreement_number(enrolment) or f"XT-RECORD-{enrolment.pk}",
            "title": f"学徒档案 {placement.student.name} · {enrolment.plan.title}",
            "template_version": f"培养方案 v{enrolment.plan.version}",
            "status": "sealed",
            "sealed_at": now.isoformat(),
            "sealed_sha256": sha256,
            "unsigned_sha256": "",
            "parties": [
                {"party": "学徒", "name": placement.student.name},
                {"party": "学校", "name": placement.pilot.school.name},
                {"party": "企业", "name": placement.post.company.name},
            ],
        },
        "history": signatories(enrolment),
    }


@transaction.atomic
def record_seal(
    *, enrolment: TrainingEnrolment, actor: Any, today: datetime.date, now: datetime.datetime
) -> tuple[bytes, SealedRecord]:
    """Render and seal the record now; the sealed copy is recorded so that /verify recognises it."""
    from backend.signing.sealing import get_sealer
    from contracts.sealing import sign_pdf

    enrolment = TrainingEnrolment.objects.select_related(
        "placement__student",
        "placement__post__company",
        "placement__mentor",
        "placement__pilot__school",
        "plan",
    ).get(pk=enrolment.pk)
    pdf = sign_pdf(render_record_pdf(enrolment, today=today, now=now), get_sealer(), reason=REASON)
    sha256 = hashlib.sha256(pdf).hexdigest()
    sealed = SealedRecord.objects.create(
        enrolment=enrolment,
        sha256=sha256,
        sealed_at=now,
        sealed_by=actor_user(actor),
        public_record=_public_record(enrolment, sha256, now),
    )
    audit_record(actor=actor, action="training.record_seal", obj=sealed, changes={"sha256": sha256})
    return pdf, sealed


def verify_lookup(sha256: str) -> SealedDocument | None:
    """For backend.signing's /verify: the public record of a sealed apprentice record with this SHA-256, shown
    like an agreement's."""
    from backend.signing.sealing import SealedDocument  # registered only when signing is installed

    sealed = SealedRecord.objects.filter(sha256=sha256).first()
    if sealed is None:
        return None
    return SealedDocument(agreement=sealed.public_record["info"], history=sealed.public_record["history"])
