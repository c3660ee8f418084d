"""Imports flow worker -> backend -> contracts, and no module borrows another module's private name."""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EVERYWHERE = ["backend", "worker", "contracts"]
OURS = {"backend", "worker", "contracts"}


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[str, list[str], int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.level if hasattr(node, "level") else 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", [alias.name for alias in node.names], node.level))
    return found


def _files(*roots: str) -> list[Path]:
    out: list[Path] = []
    for root in roots:
        path = REPO / root
        out += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [p for p in out if "migrations" not in p.parts]


def test_no_backend_module_imports_the_worker():
    offenders = [
        str(path.relative_to(REPO))
        for path in _files("backend")
        if any(module == "worker" or module.startswith("worker.") for module, _names, _lvl in _imports(path))
    ]
    assert offenders == []


def test_no_private_name_crosses_a_module():
    offenders = [
        f"{path.relative_to(REPO)}: from {'.' * level}{module} import {name}"
        for path in _files(*EVERYWHERE)
        for module, names, level in _imports(path)
        for name in names
        if name.startswith("_")
        and not name.startswith("__")
        and (level or module.split(".")[0] in OURS)  # a library's private name is the library's business
    ]
    assert offenders == []
