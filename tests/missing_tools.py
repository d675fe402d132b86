"""Tests that need a program this machine lacks are skipped, and the run says so at its end.

pytest reports a skip only as an ``s`` unless asked (``-rs``); a browser test that silently never
runs looks like a browser test that passes. :func:`needs_tool` marks such a test, and
:func:`pytest_terminal_summary` (a hook, imported into ``conftest.py``) prints one line for each
one skipped: ``SKIPPED for a missing tool: chromium (...): tests/test_browser.py::...``.
"""

from __future__ import annotations

import pytest

#: The start of the reason of every skip for a missing program.
MISSING_TOOL = "missing tool: "


def needs_tool(found: object, tool: str, hint: str) -> pytest.MarkDecorator:
    """Skip the test unless ``found`` (the program's path, say) is true; ``hint`` says how to
    get ``tool``."""
    return pytest.mark.skipif(not found, reason=f"{MISSING_TOOL}{tool} ({hint})")


def skip_reason(report: pytest.TestReport) -> str:
    """The reason a skipped test's report gives, without pytest's ``Skipped:`` prefix."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """One visible line per test skipped for a missing tool, whatever ``-r`` says."""
    lines = []
    for report in terminalreporter.stats.get("skipped", []):
        reason = skip_reason(report)
        if reason.startswith(MISSING_TOOL):
            tool = reason.removeprefix(MISSING_TOOL)
            lines.append(f"SKIPPED for a missing tool: {tool}: {report.nodeid}")
    if lines:
        terminalreporter.write_sep("=", "tests not run: a tool is missing", yellow=True)
        for line in lines:
            terminalreporter.write_line(line, yellow=True)
