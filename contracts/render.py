"""docx template bytes + agreement context -> rendered docx bytes (docxtpl)."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from docxtpl import DocxTemplate

from contracts.context import AgreementContext


class RenderError(Exception):
    """The template could not be rendered with this context (a bug in the template or a missing fact)."""


def template_environment() -> jinja2.Environment:
    """Jinja for agreements: a missing value is an error, never a silent blank in a contract."""
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


class _Memo:
    """A small thread-safe map from a document part's XML to what is made of it, emptied when full."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._made: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, source: str, make: Callable[[str], Any]) -> Any:
        made = self._made.get(source)
        if made is None:
            made = make(source)
            with self._lock:
                if len(self._made) >= self.size:
                    self._made.clear()
                self._made[source] = made
        return made


class _CompilingOnceEnvironment(jinja2.Environment):
    """docxtpl compiles the same document XML again for every agreement; keep the compiled templates."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._compiled = _Memo()

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> jinja2.Template:  # noqa: A002
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        return self._compiled.get(source, super().from_string)


_render_env = _CompilingOnceEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)


class _PatchingOnceTemplate(DocxTemplate):
    """docxtpl cleans each part's XML with a few dozen regular expressions before every render (half the time of
    a render, measured); the XML is the same for every agreement of a template version, so keep the result.
    ``patch_xml`` reads nothing but its argument."""

    _patched = _Memo()

    def patch_xml(self, src_xml: str) -> str:
        return self._patched.get(src_xml, super().patch_xml)


def render_docx(template: bytes, context: AgreementContext | Mapping[str, Any]) -> bytes:
    data = context.to_template_dict() if isinstance(context, AgreementContext) else dict(context)
    doc = _PatchingOnceTemplate(io.BytesIO(template))
    try:
        doc.render(data, jinja_env=_render_env, autoescape=True)
    except Exception as exc:  # a template can fail in any way Jinja or Python can: all are render errors
        raise RenderError(f"模板渲染失败 / template rendering failed: {exc}") from exc
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
