"""Render the template with default answers and run the generated pipelines.

Usage: demo.py run DIR | demo.py stop DIR
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from generated_project import render, run_in_project, setup_stack, stop_services


def run(destination: Path) -> None:
    """Render into DIR (replacing an earlier demo), set up its stack and run it."""
    if destination.exists():
        stop_services(destination)
        shutil.rmtree(destination)
    project = render(destination)
    setup_stack(project)
    run_in_project(project, ["run.py"])
    print(
        f"\nThe demo project is in {project}; its ZenML and MLflow state is in "
        f"{project / '.zenml-home'}.\n"
        "It left the online service running (its URL is above); stop it with "
        "`make demo-stop`."
    )


def main() -> None:
    """Dispatch the `run` and `stop` commands."""
    if len(sys.argv) != 3 or sys.argv[1] not in {"run", "stop"}:
        sys.exit(__doc__)
    destination = Path(sys.argv[2]).resolve()
    if sys.argv[1] == "run":
        run(destination)
    else:
        stop_services(destination)
        print("The demo's online service is stopped.")


if __name__ == "__main__":
    main()
