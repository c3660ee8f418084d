"""Writes of the reports app: the coordinator's text of a yearly report and the school's other funds lines.
Only the pilot's own school's coordinator writes them (the bureau reads)."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction

from backend.accounts.models import Role
from backend.core.audit import audit_record
from backend.core.errors import ApplicationError
from backend.placements.models import PilotProject

from .models import FundsLine, YearlyReportText

FEN = Decimal("0.01")
MAX_TEXT = 5000


def _check_writer(actor: Any, pilot: PilotProject) -> None:
    if getattr(actor, "role", None) != Role.COORDINATOR or actor.school_id != pilot.school_id:
        raise ApplicationError(
            "PERMISSION_DENIED",
            "只有本校联络人可以填写年检报告",
            "only the school's coordinator writes its yearly report",
            status=403,
        )


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise ApplicationError("VALIDATION", "年度无效", "invalid year", details={"year": year})


@transaction.atomic
def report_text_save(
    *, actor: Any, pilot: PilotProject, year: int, situation: str = "", problems: str = "", measures: str = ""
) -> YearlyReportText:
    """Write (or rewrite) the text of the pilot's yearly report for the year."""
    _check_writer(actor, pilot)
    _check_year(year)
    texts = {"situation": situation.strip(), "problems": problems.strip(), "measures": measures.strip()}
    too_long = [name for name, text in texts.items() if len(text) > MAX_TEXT]
    if too_long:
        raise ApplicationError(
            "VALIDATION",
            f"文字过长（不超过 {MAX_TEXT} 字）",
            f"text too long (at most {MAX_TEXT} characters)",
            details={"fields": too_long},
        )
    text, created = YearlyReportText.objects.select_for_update().get_or_create(
        pilot=pilot, year=year, defaults={**texts, "updated_by": actor}
    )
    if not created:
        for name, value in texts.items():
            setattr(text, name, value)
        text.updated_by = actor
        text.save(update_fields=[*texts, "updated_by", "updated_at"])
    audit_record(actor=actor, action="reports.text_saved", obj=text, changes={"year": year, **texts})
    return text


def _amount(value: Any, name: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except ArithmeticError as exc:
        raise ApplicationError("VALIDATION", "金额无效", "invalid amount", details={"field": name}) from exc
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(FEN, rounding=ROUND_HALF_UP):
        raise ApplicationError(
            "VALIDATION",
            "金额须为不小于 0 的数，精确到分",
            "an amount is 0 or more, in fen",
            details={"field": name},
        )
    if amount >= Decimal("1e12"):
        raise ApplicationError("VALIDATION", "金额过大", "amount too large", details={"field": name})
    return amount.quantize(FEN)


@transaction.atomic
def funds_line_save(
    *,
    actor: Any,
    pilot: PilotProject,
    year: int,
    heading: str,
    received: Any,
    spent: Any,
    note: str = "",
) -> FundsLine:
    """Record a heading of funds for the pilot's year (a second save of the same heading replaces its amounts)."""
    _check_writer(actor, pilot)
    _check_year(year)
    heading = heading.strip()
    if not heading or len(heading) > 100:
        raise ApplicationError(
            "VALIDATION", "请填写经费项目（不超过100字）", "a heading of at most 100 characters"
        )
    if heading.startswith("学徒补助"):
        raise ApplicationError(
            "VALIDATION",
            "学徒补助由补助台账自动统计，无需填写",
            "the subsidy's headings come from its ledger",
            details={"heading": heading},
        )
    values = {
        "received": _amount(received, "received"),
        "spent": _amount(spent, "spent"),
        "note": note.strip()[:300],
    }
    line, created = FundsLine.objects.select_for_update().get_or_create(
        pilot=pilot, year=year, heading=heading, defaults={**values, "created_by": actor}
    )
    if not created:
        for name, value in values.items():
            setattr(line, name, value)
        line.save(update_fields=[*values, "updated_at"])
    audit_record(
        actor=actor, action="reports.funds_line_saved", obj=line, changes={"heading": heading, **values}
    )
    return line


@transaction.atomic
def funds_line_delete(*, actor: Any, line: FundsLine) -> None:
    _check_writer(actor, line.pilot)
    audit_record(
        actor=actor,
        action="reports.funds_line_deleted",
        obj=line,
        changes={"heading": line.heading, "received": line.received, "spent": line.spent},
    )
    line.delete()
