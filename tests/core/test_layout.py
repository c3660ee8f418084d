"""The import graph's shape (issue 14): the demo app is the top, nothing imports it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_outside_the_demo_app_imports_it():
    # given every Python module of the backend and the worker but the demo app's own
    sources = [
        p
        for folder in ("backend", "worker", "contracts")
        for p in (ROOT / folder).rglob("*.py")
        if not p.is_relative_to(ROOT / "backend" / "demo")
    ]
    # then none imports backend.demo
    offenders = [
        str(p.relative_to(ROOT))
        for p in sources
        if any(m == "backend.demo" or m.startswith("backend.demo.") for m in imported_modules(p))
    ]
    assert sources and offenders == []
