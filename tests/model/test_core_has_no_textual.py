"""The core (hltui.model) never imports textual: checked in the source and at run time."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import hltui.model

MODEL_DIR = Path(hltui.model.__file__).parent
MODULES = sorted(MODEL_DIR.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(MODEL_DIR.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):  # every import, also inside functions and TYPE_CHECKING
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and getattr(node.func, "id", getattr(node.func, "attr", ""))
            in (
                "import_module",
                "__import__",
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.append(str(node.args[0].value))
    return names


def test_there_are_core_modules() -> None:
    names = {module_name(p) for p in MODULES}
    assert {"hltui.model", "hltui.model.sources", "hltui.model.index"} <= names


def test_no_core_module_imports_textual_in_its_source() -> None:
    offenders = {}
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        bad = [n for n in imported_names(tree) if n == "textual" or n.startswith("textual.")]
        bad += [n for n in imported_names(tree) if n == "hltui.ui" or n.startswith("hltui.ui.")]
        if bad:
            offenders[module_name(path)] = bad
    assert offenders == {}


def test_importing_the_core_does_not_load_textual() -> None:
    names = [module_name(p) for p in MODULES]
    code = (
        "import importlib, json, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules"
        " if m == 'textual' or m.startswith('textual.'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_the_checker_sees_textual_imports() -> None:
    sample = "import textual\nfrom textual.widgets import Tree\ndef f():\n    import textual.app\n"
    names = imported_names(ast.parse(sample))
    assert names == ["textual", "textual.widgets", "textual.app"]
