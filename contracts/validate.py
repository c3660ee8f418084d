"""Check an uploaded agreement template before it is stored as a new version.

`validate_template(data, kind=...)` returns a list of `TemplateProblem`s, empty when the template is usable.
Each problem names what is wrong: a file that is not a .docx, a Jinja syntax error (and in which part of the
document), every unknown or misspelt variable (with the nearest known name as a suggestion), a guardian
field in a three-party template, and finally any error of a trial rendering with a complete sample context.
"""

from __future__ import annotations

import difflib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import jinja2
from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import nodes

from contracts.context import TEMPLATE_VARIABLES, AgreementKind
from contracts.render import RenderError, render_docx, template_environment
from contracts.samples import sample_context

MAX_TEMPLATE_BYTES = 10 * 1024 * 1024

# Names a template may use that are not context variables (Jinja globals and loop helpers).
_JINJA_NAMES = {"loop", "range", "dict", "lipsum", "cycler", "joiner", "namespace", "true", "false", "none"}
# docxtpl's own template helpers
_DOCXTPL_NAMES = {"RichText", "R", "Listing", "InlineImage", "Subdoc"}

# A known name without children (`student.name`), so `student.name.upper()` is fine.
_LEAVES = frozenset(
    name
    for name in TEMPLATE_VARIABLES
    if not any(o.startswith((name + ".", name + "[]")) for o in TEMPLATE_VARIABLES)
)


@dataclass(frozen=True)
class TemplateProblem:
    code: str  # NOT_DOCX, TOO_LARGE, SYNTAX_ERROR, UNKNOWN_VARIABLE, GUARDIAN_IN_THREE_PARTY, RENDER_ERROR
    message: str  # Chinese, for the coordinator
    message_en: str
    part: str = ""  # 正文 / 页眉 / 页脚
    variable: str = ""
    suggestion: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def validate_template(data: bytes, *, kind: AgreementKind | None = None) -> list[TemplateProblem]:
    if len(data) > MAX_TEMPLATE_BYTES:
        return [
            TemplateProblem(
                "TOO_LARGE",
                f"模板文件超过{MAX_TEMPLATE_BYTES // 1024 // 1024}MB。",
                f"The template is larger than {MAX_TEMPLATE_BYTES // 1024 // 1024} MB.",
            )
        ]
    not_docx = TemplateProblem(
        "NOT_DOCX", "上传的文件不是Word文档（.docx）。", "The uploaded file is not a Word document (.docx)."
    )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return [not_docx]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                return [not_docx]
        parts = list(_template_parts(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, SyntaxError):
        return [not_docx]

    env = template_environment()
    problems: list[TemplateProblem] = []
    used: dict[str, str] = {}
    for part, source in parts:
        try:
            tree = env.parse(source)
            env.compile(tree)  # unknown filters and tests fail here
        except jinja2.TemplateSyntaxError as exc:
            problems.append(
                TemplateProblem(
                    "SYNTAX_ERROR",
                    f"{part}中的模板语法错误：{exc.message}",
                    f"Template syntax error in the {_PART_EN[part]}: {exc.message}",
                    part=part,
                )
            )
            continue
        for path in _variable_paths(tree):
            used.setdefault(path, part)

    for path, part in sorted(used.items()):
        if _known(path):
            if kind is AgreementKind.THREE_PARTY and path.split(".")[0] == "guardian":
                problems.append(
                    TemplateProblem(
                        "GUARDIAN_IN_THREE_PARTY",
                        f"三方协议模板使用了监护人变量“{path}”，三方协议没有监护人。",
                        f"A three-party template uses the guardian variable '{path}'; there is no guardian.",
                        part=part,
                        variable=path,
                    )
                )
            continue
        suggestion = _suggest(path)
        hint_zh = f"，是否应为“{suggestion}”？" if suggestion else "。"
        hint_en = f"; did you mean '{suggestion}'?" if suggestion else "."
        problems.append(
            TemplateProblem(
                "UNKNOWN_VARIABLE",
                f"{part}中的变量“{path}”不是协议数据中的字段{hint_zh}",
                f"The variable '{path}' in the {_PART_EN[part]} is not agreement data{hint_en}",
                part=part,
                variable=path,
                suggestion=suggestion,
            )
        )

    if not problems:
        try:
            render_docx(data, sample_context(kind or AgreementKind.FOUR_PARTY))
        except RenderError as exc:
            problems.append(
                TemplateProblem(
                    "RENDER_ERROR",
                    f"用示例数据试渲染失败：{exc.__cause__}",
                    f"A trial rendering with sample data failed: {exc.__cause__}",
                )
            )
    return problems


_PART_EN = {"正文": "body", "页眉": "header", "页脚": "footer"}


def _template_parts(data: bytes) -> Iterator[tuple[str, str]]:
    """(part name, Jinja source after docxtpl's own tag clean-up) for the body, headers and footers."""
    tpl = DocxTemplate(io.BytesIO(data))
    document = Document(io.BytesIO(data))
    yield "正文", tpl.patch_xml(tpl.xml_to_string(document._element.body))
    for uri, part_name in ((tpl.HEADER_URI, "页眉"), (tpl.FOOTER_URI, "页脚")):
        for rel in document.part.rels.values():
            if rel.reltype == uri and rel.target_part.blob:
                yield part_name, tpl.patch_xml(tpl.xml_to_string(parse_xml(rel.target_part.blob)))


def _known(path: str) -> bool:
    if path in TEMPLATE_VARIABLES:
        return True
    return any(path.startswith(leaf + ".") for leaf in _LEAVES)


def _suggest(path: str) -> str:
    matches = difflib.get_close_matches(path, TEMPLATE_VARIABLES, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    # a misspelt last segment under a known parent: student.nmae -> student.name
    parent, _, last = path.rpartition(".")
    siblings = {n.rpartition(".")[2]: n for n in TEMPLATE_VARIABLES if n.rpartition(".")[0] == parent}
    close = difflib.get_close_matches(last, siblings, n=1, cutoff=0.5)
    return siblings[close[0]] if close else ""


def _chain(node: nodes.Node) -> tuple[str, list[str]] | None:
    """Name.attr / Name['key'] / Name[0] -> (root, ['attr', 'key', '[]']); None for anything else."""
    parts: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            parts.append("[]" if isinstance(node.arg.value, int) else str(node.arg.value))
            node = node.node
        elif isinstance(node, nodes.Name):
            return node.name, list(reversed(parts))
        else:
            return None


def _join(base: str, parts: list[str]) -> str:
    path = base
    for part in parts:
        path = path + part if part == "[]" else f"{path}.{part}"
    return path


def _variable_paths(tree: nodes.Template) -> Iterator[str]:
    """Every context path the template reads, with loop variables resolved to their list (`stages[].name`)."""

    def visit(node: nodes.Node, scope: dict[str, str | None]) -> Iterator[str]:
        if isinstance(node, nodes.Getattr | nodes.Getitem | nodes.Name):
            chain = _chain(node)
            if chain is not None:
                root, parts = chain
                if isinstance(node, nodes.Name) and node.ctx != "load":
                    return
                if root in scope:
                    base = scope[root]
                    if base is not None:
                        yield _join(base, parts)
                elif root not in _JINJA_NAMES and root not in _DOCXTPL_NAMES:
                    yield _join(root, parts)
                return
        if isinstance(node, nodes.For):
            yield from visit(node.iter, scope)
            chain = _chain(node.iter)
            inner = dict(scope)
            element: str | None = None
            if chain is not None and chain[0] not in _JINJA_NAMES:
                root, parts = chain
                base = scope.get(root, root) if root in scope else root
                element = None if base is None else _join(base, parts) + "[]"
            if isinstance(node.target, nodes.Name):
                inner[node.target.name] = element
            for name_node in node.target.find_all(nodes.Name):  # tuple targets: not checked
                inner[name_node.name] = None
            for child in (*node.body, *([node.test] if node.test else [])):
                yield from visit(child, inner)
            for child in node.else_:
                yield from visit(child, scope)
            return
        if isinstance(node, nodes.Assign | nodes.AssignBlock):
            targets: list[nodes.Node] = [node.target, *node.target.find_all(nodes.Name)]
            for target in targets:
                if isinstance(target, nodes.Name):
                    scope[target.name] = None  # a local made with {% set %}: not checked
        if isinstance(node, nodes.Macro | nodes.CallBlock):
            inner = dict(scope)
            for arg in node.args:
                inner[arg.name] = None
            for child in node.iter_child_nodes():
                yield from visit(child, inner)
            return
        for child in node.iter_child_nodes():
            yield from visit(child, scope)

    yield from visit(tree, {})
