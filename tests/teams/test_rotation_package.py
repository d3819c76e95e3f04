"""The rotation is a small package of pure modules: public API and messages, search, flow
engine; nothing in it imports Flask, SQLAlchemy or the rest of the application, and the public
names are importable from the package as before."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import fallteam.teams.rotation as rotation

PACKAGE = Path(rotation.__file__).parent


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
    return found


def test_the_package_imports_only_the_standard_library_and_itself():
    modules = sorted(PACKAGE.glob("*.py"))
    assert {m.name for m in modules} == {"__init__.py", "plans.py", "search.py", "flow.py"}
    for module in modules:
        for name in _imports(module):
            top = name.split(".")[0]
            assert name.startswith("fallteam.teams.rotation") or top in sys.stdlib_module_names, (
                f"{module.name} imports {name}"
            )


def test_the_engine_layers_import_downwards_only():
    assert not any("rotation.plans" in name for name in _imports(PACKAGE / "search.py"))
    flow_imports = _imports(PACKAGE / "flow.py")
    assert not any(name.startswith("fallteam") for name in flow_imports)


def test_the_public_names_are_importable_from_the_package():
    from fallteam.teams.rotation import (  # noqa: F401
        Candidate,
        Plan,
        PlanProblem,
        Slot,
        check_plan,
        propose_moderation,
        propose_writers,
    )

    assert set(rotation.__all__) >= {
        "Candidate",
        "Plan",
        "PlanProblem",
        "Slot",
        "check_plan",
        "propose_moderation",
        "propose_writers",
    }
