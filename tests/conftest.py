"""Rendering helpers shared by the template's tests."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from generated_project import (
    free_port,
    kill_processes_under,
    project_env,
    render,
    run_in_project,
    setup_stack,
    stop_services,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = {
    name
    for name in yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    if not name.startswith("_")
}

Renderer = Callable[..., Path]

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}


def pytest_configure(config: pytest.Config) -> None:
    """Give each test worker's projects their share of the cores.

    OpenMP and OpenBLAS threads spin while they wait for a core that the other worker
    holds: with one core kept busy, the digits training (HistGradientBoosting) took
    293 s on two threads and 42 s on one.
    """
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    if workers > 1:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (cores or 1) // workers)))


def git(folder: Path, *args: str) -> str:
    """Run git in `folder` with a fixed identity; return what it printed."""
    result = subprocess.run(
        ["git", *args],
        cwd=folder,
        env={**os.environ, **GIT_IDENTITY},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.fixture
def render_project(tmp_path: Path) -> Renderer:
    """Return a function that renders the template with the given answers."""

    def _render(name: str = "project", **answers: Any) -> Path:
        undeclared = set(answers) - QUESTIONS
        assert not undeclared, f"not questions of copier.yml: {sorted(undeclared)}"
        return render(tmp_path / name, answers)

    return _render


INSPECT = str(REPO_ROOT / "tests" / "inspect_project.py")
PROBE = str(REPO_ROOT / "tests" / "serving_probe.py")


def serve_on_a_free_port(project: Path) -> None:
    """Give a project's local deployer a free port of its own, instead of 8000.

    Two workers deploying at once could both find 8000 free: ZenML then waits on
    /health at 8000, which the other project's service answers.
    """
    stack = yaml.safe_load((project / "configs" / "stack.yaml").read_text())
    local = project / "configs" / "stack.local.yaml"
    deployer = stack["components"].get("deployer", {})
    if deployer.get("flavor") == "local" and not yaml.safe_load(local.read_text()):
        port = {"components": {"deployer": {"configuration": {"port": free_port()}}}}
        local.write_text(yaml.safe_dump(port))


@pytest.fixture
def running_project(render_project: Renderer) -> Iterator:
    """Yield a function that renders and provisions projects, stopping them afterwards."""
    projects: list[Path] = []

    def _provision(setup: bool = True, **answers: object) -> Path:
        project = render_project(f"project{len(projects)}", **answers)
        projects.append(project)
        if setup:
            serve_on_a_free_port(project)
            setup_stack(project)
        return project

    yield _provision
    for project in projects:
        stop_services(project)
        assert kill_processes_under(project) == [], "processes outlived make stop"


def plain_text(printed: str) -> str:
    """Return what a run printed without colours: ZenML's log formatter colours `quoted` text."""
    return re.sub(r"\x1b\[[0-9;]*m|`", "", printed)


def run(project: Path, *options: str, check: bool = True) -> str:
    """Run `run.py` with options and return everything it printed."""
    result = run_in_project(project, ["run.py", *options], check=False, capture=True)
    output = plain_text(result.stdout + result.stderr)
    if check:
        assert result.returncode == 0, output[-5000:]
    return output


def zenml_cli(project: Path, *args: str, check: bool = True) -> str:
    """Run the ZenML CLI in the project's ZenML home and return what it printed."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "zenml"), *args],
        cwd=project,
        env=project_env(project),
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    if check:
        assert result.returncode == 0, output[-5000:]
    return output


def inspect(project: Path) -> dict:
    """Return what the runs left in ZenML and MLflow."""
    result = run_in_project(project, [INSPECT], capture=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def probe(project: Path) -> dict:
    """Return the last batch run's raw rows and predictions, and MLflow pyfunc's answers."""
    result = run_in_project(project, [PROBE], capture=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def assert_all_pipelines_completed(state: dict, training_runs: int) -> None:
    assert [run["status"] for run in state["runs"]["training"]] == ["completed"] * training_runs
    assert state["runs"]["batch_inference"][-1]["status"] == "completed"


def assert_ruff_clean(folder: Path) -> None:
    """Assert that `ruff check` and `ruff format --check` pass in `folder`."""
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command], cwd=folder, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
