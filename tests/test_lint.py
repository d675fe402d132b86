"""The code base passes ruff's lint and format checks (the rules are in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def ruff() -> list[str]:
    """The ruff command: the one beside this interpreter, else on PATH."""
    beside = Path(sys.executable).with_name("ruff")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: pip install '.[test]'")
    return [found]


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff(args: list[str]) -> None:
    proc = subprocess.run([*ruff(), *args], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff_leaves_out_what_pip_builds_outside_a_git_checkout(
    tmp_path: Path, args: list[str]
) -> None:
    """In a source archive (no git, so no .gitignore) after ``pip install .``, the copies in
    build/ and dist/ are not checked: the README's test command passes there too."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    bad = "import os\nx = {'a':1}  # " + "too long " * 20 + "\n"  # unused, unformatted, long
    for copy in ("build/lib/tui/i18n/zh/app.py", "dist/tui/app.py"):
        (tmp_path / copy).parent.mkdir(parents=True)
        (tmp_path / copy).write_text(bad)
    (tmp_path / "ours.py").write_text('"""Ours: checked, and clean."""\n')
    proc = subprocess.run(
        [*ruff(), *args], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # ... and it still checks what is ours.
    (tmp_path / "ours.py").write_text(bad)
    proc = subprocess.run(
        [*ruff(), *args], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
