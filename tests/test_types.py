"""mypy and the import contracts, as part of the test command.

Both read their settings from ``pyproject.toml`` (``[tool.mypy]``, ``[tool.importlinter]``)
and run in a subprocess from the repository's root, without caches, so a run depends on
nothing a previous run left behind.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
    proc = run_tool("-m", "mypy", f"--cache-dir={os.devnull}")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_contracts_hold() -> None:
    require("importlinter")
    proc = run_tool("-c", LINT_IMPORTS, "--no-cache", "--no-logo")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout
