"""docx template bytes + agreement context -> rendered docx bytes (docxtpl)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import jinja2
from docxtpl import DocxTemplate

from contracts.context import AgreementContext


class RenderError(Exception):
    """The template could not be rendered with this context (a bug in the template or a missing fact)."""


def template_environment() -> jinja2.Environment:
    """Jinja for agreements: a missing value is an error, never a silent blank in a contract."""
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def render_docx(template: bytes, context: AgreementContext | Mapping[str, Any]) -> bytes:
    data = context.to_template_dict() if isinstance(context, AgreementContext) else dict(context)
    doc = DocxTemplate(io.BytesIO(template))
    try:
        doc.render(data, jinja_env=template_environment(), autoescape=True)
    except Exception as exc:  # a template can fail in any way Jinja or Python can: all are render errors
        raise RenderError(f"模板渲染失败 / template rendering failed: {exc}") from exc
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
