"""The house's floors: every import runs down, never up or sideways between the last phases.

    settings < linkage_settings < config_files < config < schemas < kit < intake < staging < compare < linkage < learning < deliver | followup

`kit` (workbooks, HTML pieces, masking, deadlines, atomic publication, file hashes) is the shared
kit below every phase; deliver and followup, the two ends of a quarter, import neither the other.
The sample-county generator stands aside (it imports what it must imitate). flows/ sits on top."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLOORS = ["settings", "linkage_settings", "config_files", "config", "schemas", "kit", "data_root_lock", "intake", "staging", "compare", "linkage", "learning",
          "deliver", "followup"]  # fmt: skip
SAME_FLOOR = {"followup": FLOORS.index("deliver")}  # the two ends of a quarter share a floor


def _floor(name: str) -> int:
    return SAME_FLOOR.get(name, FLOORS.index(name))


def _imports() -> list[tuple[str, str, str]]:
    """(module file, its package, the package it imports) for every import inside the project."""
    found = []
    for root in ("transforms", "schemas"):
        for path in sorted((REPO / root).rglob("*.py")):
            rel = path.relative_to(REPO)
            package = "schemas" if root == "schemas" else (rel.parts[1].removesuffix(".py"))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                modules = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    modules = [node.module]
                elif isinstance(node, ast.Import):
                    modules = [a.name for a in node.names]
                for module in modules:
                    parts = module.split(".")
                    if parts[0] == "transforms" and len(parts) > 1:
                        found.append((str(rel), package, parts[1]))
                    elif parts[0] == "schemas":
                        found.append((str(rel), package, "schemas"))
    return found


def test_every_import_runs_down() -> None:
    imports = _imports()
    assert len(imports) > 50  # the walk saw the project
    upward = [
        (module, package, target)
        for module, package, target in imports
        if package != target and "sample_county" not in (package, target) and _floor(target) >= _floor(package)
    ]
    assert upward == []


def test_the_kit_imports_no_phase() -> None:
    below = {"settings", "config_files", "kit"}  # (config_files: the layouts and calendar it is given)
    assert {t for _, p, t in _imports() if p == "kit"} <= below


def test_modules_and_functions_stay_readable() -> None:
    """No module of flows/, transforms/ or schemas/ over 400 lines, no function of 80 lines or
    more, as the formatter lays them out (the sample-county generator aside: it imitates five
    departments' exports at once)."""
    too_long = []
    for root in ("flows", "transforms", "schemas"):
        for path in sorted((REPO / root).rglob("*.py")):
            if "sample_county" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if text.count("\n") > 400:
                too_long.append(f"{path.relative_to(REPO)}: {text.count(chr(10))} lines")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 >= 80:
                    too_long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}")
    assert not too_long, too_long
