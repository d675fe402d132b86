"""The core never imports Textual; what the UI and the CLI load first never imports TensorFlow.

The static rules are import-linter contracts in ``pyproject.toml`` (run by
``tests/test_types.py``). import-linter counts an import inside a function as an import, so the
UI's contract lists the engine's lazy imports it lets through; the modules holding them are
imported here, in a fresh interpreter, to check that they load no TensorFlow at import.
"""

from __future__ import annotations

import subprocess
import sys

import pytest


def loaded_after(statement: str) -> set[str]:
    """The top-level modules loaded after running ``statement`` in a fresh interpreter."""
    listing = "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    code = f"{statement}\nimport sys\n{listing}"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(proc.stdout.split())


def test_engine_never_imports_textual() -> None:
    modules = loaded_after("import tui.engine.descent, tui.formats")
    assert "tensorflow" in modules
    assert "textual" not in modules


@pytest.mark.parametrize(
    "module",
    [
        "tui.app",
        "tui.app.app",
        "tui.app.engine_client",
        "tui.app.room_engine",
        "tui.cli",
        "tui.engine.spec",
        "tui.engine.losses",
        "tui.engine.schedules",
        "tui.engine.server",
        # Their imports of the TensorFlow modules are inside functions (the UI's contract
        # lets them through as such).
        "tui.engine.sweep",
        "tui.engine.theory",
    ],
)
def test_light_modules_do_not_load_tensorflow(module: str) -> None:
    assert "tensorflow" not in loaded_after(f"import {module}")
