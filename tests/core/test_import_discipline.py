"""Imports sit at the top of a module. An import inside a function (CLI start-up, an optional
dependency) needs a comment that says why: ``# why: ...`` on the import's line or on the line
right above the import (or above the block of imports it belongs to).

Run as a script to count imports inside functions:
``python tests/core/test_import_discipline.py [PACKAGE_DIR]``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "fallteam"
MARK = "# why:"


def imports_in_functions(package: Path = PACKAGE) -> list[tuple[Path, int, bool]]:
    """Every import inside a function body: (file, line, explained by a ``# why:`` comment)."""
    found = []
    for path in sorted(package.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source, filename=str(path))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    found.append((path, inner.lineno, _explained(lines, inner.lineno)))
    return sorted(set(found))


def _explained(lines: list[str], lineno: int) -> bool:
    index = lineno - 1
    if MARK in lines[index]:
        return True
    # Walk up over the imports of the same block to the comment above them; the comment may
    # run over several lines, one of which starts with the mark.
    index -= 1
    while index >= 0 and lines[index].strip().startswith(("import ", "from ")):
        index -= 1
    while index >= 0 and lines[index].strip().startswith("#"):
        if lines[index].strip().startswith(MARK):
            return True
        index -= 1
    return False


def test_no_import_inside_a_function_without_a_reason():
    unexplained = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path, line, explained in imports_in_functions()
        if not explained
    ]
    assert unexplained == [], "Import inside a function without '# why:' comment"


def test_the_check_finds_an_unexplained_import(tmp_path):
    (tmp_path / "mod.py").write_text(
        "def f():\n    import os\n\n"
        "def g():\n    # why: optional dependency\n    import json\n    import csv\n\n"
        "def h():\n    # why: a reason that runs\n    # over two lines\n    import re\n\n"
        "def i():\n    # a comment that gives no reason\n    import sys\n",
        encoding="utf-8",
    )
    assert [(line, ok) for _path, line, ok in imports_in_functions(tmp_path)] == [
        (2, False),
        (6, True),
        (7, True),
        (12, True),
        (16, False),
    ]


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE
    result = imports_in_functions(root)
    print(
        f"imports inside functions: {len(result)}, without '# why:': "
        f"{sum(1 for *_, ok in result if not ok)}"
    )
