"""A Word template rendered and converted to PDF, with the one error shape: shared by agreements, supplementary
agreements and informed-consent forms."""

from typing import Any

from backend.core.errors import ApplicationError
from contracts.convert import ConversionError, convert_docx_to_pdf
from contracts.render import RenderError, render_docx


def render_to_pdf(template: bytes, context: Any, *, what: str, render_code: str) -> tuple[bytes, bytes]:
    """(docx, pdf): docxtpl, then the LibreOffice pool. A failure raises `render_code` (500) or
    PDF_CONVERSION_FAILED (503), naming `what` is being made (协议, 补充协议, 知情同意书); nothing is stored."""
    try:
        docx = render_docx(template, context)
        pdf = convert_docx_to_pdf(docx)
    except RenderError as exc:
        raise ApplicationError(render_code, f"{what}生成失败：{exc}", str(exc), status=500) from exc
    except ConversionError as exc:
        raise ApplicationError(
            "PDF_CONVERSION_FAILED",
            f"{what}转换为PDF失败，请稍后重试。",
            f"PDF conversion failed: {exc}",
            status=503,
        ) from exc
    return docx, pdf
