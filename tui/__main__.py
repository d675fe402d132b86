"""Entry point: ``lr-explorer`` and ``python -m tui``."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run the command line, turning a broken pipe or Ctrl+C into a quiet exit."""
    from tui.cli import main as cli_main

    try:
        status = cli_main(sys.argv[1:], quiet_native_logs=True)
    except KeyboardInterrupt:
        status = 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as shell tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = 0
    sys.exit(status)


if __name__ == "__main__":
    main()
