"""lr-explorer: explore learning rates in gradient descent, seed-exact, from the terminal."""

__version__ = "0.1.0"
