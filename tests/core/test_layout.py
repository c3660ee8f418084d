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


def test_each_app_registers_the_scopes_of_its_own_models_in_its_own_scopes_module():
    # given the scope registry once every app is ready
    from backend.accounts.scoping import registered_models

    registered_by_module: dict[str, set[str]] = {}
    for path in (ROOT / "backend").glob("*/scopes.py"):
        names = {
            node.args[0].id
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "register_scope"
            and node.args
            and isinstance(node.args[0], ast.Name)
        }
        registered_by_module[path.parent.name] = names
    # then every registered model is registered by its own app's scopes.py, and by no other
    models = registered_models()
    assert len(models) >= 40
    for model in models:
        app = model._meta.app_label
        owners = [a for a, names in registered_by_module.items() if model.__name__ in names]
        assert owners == [app], (model, owners)
    # and accounts/scopes.py imports no other app
    assert not {m for m in imported_modules(ROOT / "backend/accounts/scopes.py") if m.startswith("backend.")}


def test_core_depends_on_no_other_backend_app():
    # given every module of backend/core
    sources = list((ROOT / "backend" / "core").rglob("*.py"))
    # then none imports another backend app (core is the bottom; the demo, which imports everything, is the top)
    offenders = {
        (str(p.relative_to(ROOT)), m)
        for p in sources
        for m in imported_modules(p)
        if m.startswith("backend.") and not m.startswith("backend.core")
    }
    assert sources and offenders == set()
