"""mypy and the import contracts, as part of the test command.

Both read their settings from ``pyproject.toml`` (``[tool.mypy]``, ``[tool.importlinter]``)
and run in a subprocess from the repository's root. mypy keeps its incremental cache in the
repository's git-ignored ``.mypy_cache`` (about 5 CPU-seconds a run saved once it is warm; a fresh
clone starts cold): mypy checks each cached module's hash and the options it was checked with,
and checks again what changed and everything that depends on it. import-linter runs without its
cache (it takes a fraction of a second).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: mypy's cache, in a folder ``.gitignore`` keeps out of the repository.
MYPY_CACHE = ROOT / ".mypy_cache"


#: ``lint-imports`` run by this interpreter (import-linter has no ``python -m`` entry).
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python <args>`` in the repository's root, capturing what it prints."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def require(module: str) -> None:
    """Skip, saying why, when a tool of the ``test`` extra is not installed."""
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install -e '.[test]')")


def test_mypy_passes() -> None:
    require("mypy")
    proc = run_tool("-m", "mypy", f"--cache-dir={MYPY_CACHE}")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_checks_every_module_of_tui() -> None:
    """Every module of ``tui/`` is in mypy's files, and no module's errors are ignored."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in Python 3.11 and later")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    roots = [ROOT / entry for entry in config["files"]]
    modules = sorted((ROOT / "tui").rglob("*.py"))
    unchecked = [m for m in modules if not any(m == r or r in m.parents for r in roots)]
    assert modules and unchecked == []
    ignored = [o["module"] for o in config.get("overrides", []) if o.get("ignore_errors")]
    assert ignored == []


def test_import_contracts_hold() -> None:
    require("importlinter")
    proc = run_tool("-c", LINT_IMPORTS, "--no-cache", "--no-logo")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout
