"""Imports flow worker -> backend -> contracts, and no module borrows another module's private name."""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Owned by the rules work, which moves it to backend.core.queue on its own branch.
NOT_YET_MOVED = {"backend/rules/services.py"}
MINE = [
    "backend/agreements",
    "backend/signing",
    "backend/matching",
    "backend/core",
    "worker",
    "contracts/convert.py",
]


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
        if str(path.relative_to(REPO)) not in NOT_YET_MOVED
        and any(module == "worker" or module.startswith("worker.") for module, _names, _lvl in _imports(path))
    ]
    assert offenders == []


def test_no_private_name_crosses_a_module_in_the_recovery_area():
    offenders = [
        f"{path.relative_to(REPO)}: from {'.' * level}{module} import {name}"
        for path in _files(*MINE)
        for module, names, level in _imports(path)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert offenders == []
