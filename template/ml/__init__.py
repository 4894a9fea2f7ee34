"""Plain machine-learning logic of the project, free of ZenML so it can be tested alone."""

from pathlib import Path

# The project's folder: configs/ is in it, and relative paths in configs/ start from it.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
