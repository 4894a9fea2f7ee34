"""Time the generated project against the same scikit-learn work as a plain script.

Renders the default answers into a temporary folder and prints, for this machine:
(a) a fresh process running scripts/plain_sklearn.py, (b) a cold `python run.py` on
fresh stores, (c) an identical second run, and the ratios b/a and c/a.
Targets on the default answers: b/a at most 3, c/a at most 1.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from generated_project import render, run_in_project, setup_stack, stop_services

PLAIN_SCRIPT = Path(__file__).resolve().parent / "plain_sklearn.py"


def timed(project: Path, args: list[str]) -> float:
    """Run `python ARGS` in the project and return its wall time in seconds."""
    start = time.perf_counter()
    run_in_project(project, args, capture=True)
    return time.perf_counter() - start


def main() -> None:
    """Render, measure the three runs, print the figures, and clean up."""
    workdir = Path(tempfile.mkdtemp(prefix="zenml-e2e-benchmark-"))
    project = render(workdir / "project")
    try:
        setup_stack(project)
        plain = timed(project, [str(PLAIN_SCRIPT)])
        cold = timed(project, ["run.py"])
        warm = timed(project, ["run.py"])
    finally:
        stop_services(project)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"(a) plain scikit-learn script: {plain:6.1f} s")
    print(f"(b) cold python run.py:        {cold:6.1f} s  b/a = {cold / plain:.2f} (target 3)")
    print(f"(c) identical second run:      {warm:6.1f} s  c/a = {warm / plain:.2f} (target 1)")


if __name__ == "__main__":
    main()
