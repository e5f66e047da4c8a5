"""The seams of docs/architecture.md hold, and the contracts that hold them can fail."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("readers", "keys", "simulators", "cardsvc", "terminal")


def _imports(path: Path) -> set[str]:
    """The top-level names of what ``path`` imports (absolute imports only)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_iso7816_kit_imports_the_standard_library_only() -> None:
    modules = sorted((ROOT / "readers" / "iso7816").rglob("*.py"))
    assert modules
    for module in modules:
        foreign = _imports(module) - set(sys.stdlib_module_names) - {"readers"}
        assert not foreign, f"{module.relative_to(ROOT)} imports {sorted(foreign)}"
        inner = [
            node.module
            for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
            if node.module.startswith("readers") and not node.module.startswith("readers.iso7816")
        ]
        assert not inner, f"{module.relative_to(ROOT)} imports {inner}"


# One deliberate violation per kind of contract, each named by the contract it breaks.
VIOLATIONS = {
    "readers/card/session.py": (
        "import smartcard  # noqa",
        "readers.pcsc is the only importer of pyscard BROKEN",
    ),
    "cardsvc/cards/repository.py": (
        "import cardsvc.cards.router  # noqa",
        "cardsvc domain packages are layered: router, services, repository, models, "
        "schemas, rules BROKEN",
    ),
    "cardsvc/residents/service.py": (
        "import fastapi  # noqa",
        "cardsvc services, repositories, models and the kit know nothing of HTTP BROKEN",
    ),
    "cardsvc/imports/service.py": (
        "import rich.progress  # noqa",
        "cardsvc services, repositories, models and the kit draw nothing: the command line "
        "shows their progress BROKEN",
    ),
    "cardsvc/kit/bulk.py": (
        "import cardsvc.cards.models  # noqa",
        "cardsvc.kit is infrastructure: it imports no domain package BROKEN",
    ),
}


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).parent / "lint-imports"
    return subprocess.run(
        [str(lint), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def scratch_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("scratch")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_import_contracts_hold_and_a_deliberate_violation_breaks_them(
    scratch_tree: Path,
) -> None:
    clean = _lint_imports(scratch_tree)
    assert clean.returncode == 0, clean.stdout[-3000:] + clean.stderr[-2000:]
    for relative, (line, _) in VIOLATIONS.items():
        module = scratch_tree / relative
        module.write_text(module.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    broken = _lint_imports(scratch_tree)
    assert broken.returncode != 0
    report = " ".join(broken.stdout.split())
    for relative, (_, contract) in VIOLATIONS.items():
        assert " ".join(contract.split()) in report, (relative, broken.stdout[-4000:])
