"""What the project's tools leave behind in a render stays out of git."""

from __future__ import annotations

import subprocess
import sys

from conftest import Renderer, git
from generated_project import project_env

# Folders that a run creates and that need a full pipeline run to appear for real:
# ZenML's repository marker and config directory (with its SQLite store and the
# MLflow files beside it), the virtual environment of the README's quick start, and
# MLflow's own stores when `mlflow ui` or `mlflow server` runs in the project.
STATE = [
    ".zen/config.yaml",
    ".zenml-home/local_stores/default_zen_store/zenml.db",
    ".venv/bin/python",
    "mlruns/0/meta.yaml",
    "mlartifacts/1/model.pkl",
    ".env",
    "ml/__pycache__/data.cpython-311.pyc",
]


def test_local_state_and_tool_caches_are_ignored(render_project: Renderer) -> None:
    project = render_project()
    git(project, "init", "--quiet")
    git(project, "add", "--all")
    git(project, "-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "Generated")
    # The tools themselves make their caches: ruff and the project's own tests.
    for command in (["ruff", "check", "."], ["pytest", "-q", "tests/test_setup_stack.py"]):
        subprocess.run(
            [sys.executable, "-m", *command],
            cwd=project,
            env=project_env(project),
            capture_output=True,
            check=True,
        )
    assert (project / ".ruff_cache").is_dir() and (project / ".pytest_cache").is_dir()
    for relative in STATE:
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text("state\n")

    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
