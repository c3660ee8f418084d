"""The yearly report as a document: the figures -> a plain context -> docx (docxtpl, contracts.render) -> PDF
(LibreOffice, contracts.convert). The template is templates/reports/yearly_report.docx (built by its
build_template.py). Rendering takes tens of milliseconds and a warm LibreOffice converts in well under a second,
so both are made on request."""

import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from contracts.convert import convert_docx_to_pdf
from contracts.render import render_docx

from .selectors import YearlyFigures, yuan

TEMPLATE = Path(settings.BASE_DIR) / "templates" / "reports" / "yearly_report.docx"
NOTHING_WRITTEN = "（未填写）"


@cache
def template_bytes() -> bytes:
    return TEMPLATE.read_bytes()


def money(value: Decimal) -> str:
    """Yuan with fen, exactly (a Decimal quantized half up, never a float): 3000 -> 3000.00."""
    return f"{yuan(value):f}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()] or [NOTHING_WRITTEN]


def report_context(figures: YearlyFigures, *, generated_on: datetime.date) -> dict[str, Any]:
    pilot = figures.pilot
    return {
        "school": pilot.school.name,
        "pilot": pilot.name,
        "program": pilot.program.name,
        "year": figures.year,
        "as_of": figures.as_of.isoformat(),
        "generated_on": generated_on.isoformat(),
        "recruited": figures.recruited,
        "active": figures.active,
        "partner_companies": figures.partner_companies,
        "companies": figures.companies,
        "posts": figures.posts,
        "stages_done": figures.stages_done,
        "agreements_signed": figures.agreements_signed,
        "assessments_passed": figures.assessments_passed,
        "assessments_failed": figures.assessments_failed,
        "assessments_open": figures.assessments_open,
        "standard_reached": figures.standard_reached,
        "violations_total": figures.violations_total,
        "violations_resolved": figures.violations_resolved,
        "violations": [
            {
                "code": v["rule_code"],
                "label": v["label"],
                "total": v["total"],
                "resolved": v["resolved"],
                "acknowledged": v["acknowledged"],
                "open": v["open"],
            }
            for v in figures.violations
        ],
        "funds": [
            {"heading": f.heading, "received": money(f.received), "spent": money(f.spent), "note": f.note}
            for f in figures.funds
        ],
        "funds_received": money(figures.funds_received),
        "funds_spent": money(figures.funds_spent),
        "situation": _lines(figures.situation),
        "problems": _lines(figures.problems),
        "measures": _lines(figures.measures),
    }


def yearly_report_docx(figures: YearlyFigures, *, generated_on: datetime.date) -> bytes:
    return render_docx(template_bytes(), report_context(figures, generated_on=generated_on))


def yearly_report_pdf(figures: YearlyFigures, *, generated_on: datetime.date) -> bytes:
    return convert_docx_to_pdf(yearly_report_docx(figures, generated_on=generated_on))


def filename(figures: YearlyFigures, ext: str) -> str:
    return f"yearly-report-{figures.pilot.pk}-{figures.year}.{ext}"
