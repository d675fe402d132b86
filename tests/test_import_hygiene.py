"""The core never imports Textual; what the UI and the CLI load first never imports TensorFlow.

The static rules are import-linter contracts in ``pyproject.toml`` (run by
``tests/test_types.py``). import-linter counts an import inside a function as an import, so the
UI's contract lists the engine's lazy imports it lets through; the modules holding them are
imported here, in a fresh interpreter, to check that they load no TensorFlow at import.
"""

from __future__ import annotations

import json
import os
import pathlib
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


def test_the_command_line_loads_no_numpy() -> None:
    """``lr-explorer``'s parser, as the explorer's start parses its words, loads no NumPy (about
    a tenth of a second of the first frame): the format names and the schedules' formulas come
    from modules without it (``tui.export`` loads the formats when it writes a run)."""
    statement = "from tui.cli.parser import build_parser\nbuild_parser().parse_args([])"
    assert "numpy" not in loaded_after(statement)
    assert "numpy" in loaded_after(f"{statement}\nimport tui.formats")  # the check can fail


def modules_after(statement: str, env: dict[str, str] | None = None) -> set[str]:
    """Every module (dotted names) loaded after running ``statement`` in a fresh interpreter."""
    code = f"{statement}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return set(proc.stdout.splitlines()[-1].split())


#: The screens the explorer opens (the range test, the dialogs) and the range test's engine
#: half: no first frame needs them, so they load when first used (issue 14: imports before the
#: frame).
OPENED_LATER = (
    "tui.app.screens.sweep",
    "tui.app.screens.help",
    "tui.app.screens.export",
    "tui.app.screens.session",
    "tui.engine.sweep",
)

#: The explorer run to its first frame (an engine that never loads, so no TensorFlow either),
#: after the command line is parsed as ``lr-explorer`` parses it.
FIRST_FRAME = """
import sys
sys.path.insert(0, {tests!r})
from tui.cli.parser import build_parser
build_parser().parse_args([])
from tui.app.app import ExplorerApp
from tui.model.params import PRESETS
from unloaded_engine import Unloaded

async def first_frame(pilot):
    await pilot.pause()
    pilot.app.exit()

ExplorerApp(PRESETS[1], show_timings=False, engine=Unloaded()).run(
    headless=True, size=(120, 40), auto_pilot=first_frame
)
"""


@pytest.mark.parametrize("keymap", [False, True], ids=["no keymap", "a keymap of its keys"])
def test_the_first_frame_loads_no_screen_it_opens_later(
    keymap: bool, tmp_path: pathlib.Path
) -> None:
    """The range test's screen came with the explorer's; a saved keymap of the explorer's own
    keys was checked against the dialogs' bindings by loading them (a keymap naming other ids
    loads them once the first frame is drawn)."""
    if keymap:
        keys = {"play": "k", "help": "h,f2"}
        (tmp_path / "settings.json").write_text(json.dumps({"keys": keys}), encoding="utf-8")
    env = {**os.environ, "LR_EXPLORER_CONFIG_DIR": str(tmp_path)}
    tests = str(pathlib.Path(__file__).parent)
    loaded = modules_after(FIRST_FRAME.format(tests=tests), env=env)
    assert "tui.app.screens.explorer" in loaded and "tensorflow" not in loaded
    assert sorted(loaded & set(OPENED_LATER)) == []
