"""Rendering helpers shared by the template's tests."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
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
    wait_until_healthy,
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


# Roughly how long each test file takes on a worker of two (seconds, from v0.7.0's CI
# run and the profiles of issue 26). `make test` hands whole files to the workers in
# collection order (--dist=loadfile --no-loadscope-reorder), so the longest go first and
# the short ones fill the gaps at the end: a long file started last would leave the
# other worker idle until it ends. Only the order matters; a file not listed here is
# taken to be long, so a new file that runs a project does not start last.
FILE_SECONDS = {
    "test_pipelines.py": 300,
    "test_datasets.py": 260,
    "test_project_ci.py": 200,
    "test_bundled_datasets.py": 190,
    "test_serving.py": 180,
    "test_monitoring.py": 175,
    "test_servers.py": 120,
    "test_update.py": 100,
    "test_stacks.py": 70,
    "test_render.py": 60,
    "test_questions.py": 60,
    "test_slack.py": 50,
    "test_serving_race.py": 50,
    "test_reports.py": 30,
    "test_hostile_answers.py": 30,
    "test_gitignore.py": 10,
    "test_git_task.py": 5,
    "test_repo_style.py": 5,
}
UNLISTED_FILE_SECONDS = 150


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the test files longest first; the tests of a file keep their order."""
    items.sort(key=lambda item: -FILE_SECONDS.get(item.path.name, UNLISTED_FILE_SECONDS))


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


INSPECTOR = str(REPO_ROOT / "tests" / "project_inspector.py")
# One inspector process per project, started at its first question, with its log.
_inspectors: dict[Path, tuple[subprocess.Popen, Any]] = {}


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
        close_inspector(project)
        stop_services(project)
        assert kill_processes_under(project) == [], "processes outlived make stop"


@pytest.fixture
def mlflow_server(tmp_path: Path) -> Iterator[str]:
    """Start an MLflow tracking server with an SQLite store; yield its URL; stop it."""
    port = free_port()
    folder = tmp_path / "mlflow-server"
    folder.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            f"sqlite:///{folder / 'mlflow.db'}",
            "--artifacts-destination",
            str(folder / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=folder,
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{url}/health", process)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        assert kill_processes_under(folder) == [], "MLflow server processes outlived it"


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


def ask_inspector(project: Path, question: str) -> dict:
    """Return the project inspector's answer to `question` ("state" or "probe").

    The project's inspector process starts at its first question and answers the later
    ones without importing ZenML and MLflow again; close_inspector ends it.
    """
    from project_inspector import ANSWER_MARK, ERROR_MARK

    key = project.resolve()
    if key not in _inspectors or _inspectors[key][0].poll() is not None:
        close_inspector(project)
        log = tempfile.TemporaryFile("w+")
        process = subprocess.Popen(
            [sys.executable, INSPECTOR],
            cwd=project,
            env=project_env(project),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        _inspectors[key] = (process, log)
    process, log = _inspectors[key]
    process.stdin.write(question + "\n")
    process.stdin.flush()
    for line in process.stdout:  # the libraries may print lines of their own
        if line.startswith(ANSWER_MARK):
            return json.loads(line.removeprefix(ANSWER_MARK))
        if line.startswith(ERROR_MARK):
            raise AssertionError(json.loads(line.removeprefix(ERROR_MARK)))
    process.wait()
    log.seek(0)
    raise AssertionError(f"the inspector exited with {process.returncode}: {log.read()[-3000:]}")


def close_inspector(project: Path) -> None:
    """End the project's inspector process, if it has one."""
    if project.resolve() not in _inspectors:
        return
    process, log = _inspectors.pop(project.resolve())
    process.stdin.close()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.stdout.close()
    log.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """End the inspectors that a failed test left running."""
    for project in list(_inspectors):
        close_inspector(project)


def inspect(project: Path) -> dict:
    """Return what the runs left in ZenML and MLflow."""
    return ask_inspector(project, "state")


def probe(project: Path) -> dict:
    """Return the last batch run's raw rows and predictions, and MLflow pyfunc's answers."""
    return ask_inspector(project, "probe")


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


# Screenshots of reports, kept after the run for people to look at (git ignores them).
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CLASSIFICATION_SECTIONS = [
    "score",
    "gates",
    "confusion-matrix",
    "per-class",
    "roc",
    "precision-recall",
    "calibration",
    "importance",
]
REGRESSION_SECTIONS = [
    "score",
    "gates",
    "predicted-vs-actual",
    "residuals",
    "residual-distribution",
    "error-by-decile",
    "importance",
]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Return the path of a headless Chromium, installing Debian's package when missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip("Chromium is missing and cannot be installed here (no apt-get, or not root)")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"Chromium could not be installed: {result.stderr.strip()[-300:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but it is not on PATH")
    return found


def screenshot(chromium: str, page: str, name: str) -> Path:
    """Open an HTML page in headless Chromium and return the path of its screenshot.

    The page is written to tests/artifacts/NAME.html and its screenshot beside it. The
    browser gets no network, so the page shows what it holds, as the dashboard would.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    html_path, png_path = ARTIFACTS / f"{name}.html", ARTIFACTS / f"{name}.png"
    html_path.write_text(page)
    png_path.unlink(missing_ok=True)
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--proxy-server=127.0.0.1:9",
            "--window-size=1200,2400",
            f"--screenshot={png_path}",
            html_path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert png_path.is_file(), result.stderr[-2000:]
    print(f"Screenshot of the {name} report: {png_path}")
    return png_path


def assert_drawn(png_path: Path) -> None:
    """Assert that a screenshot shows a page with figures, not a blank or an error page."""
    from matplotlib.image import imread

    assert png_path.stat().st_size > 50_000, "the screenshot is too small to hold figures"
    pixels = imread(png_path)[..., :3]
    not_white = (pixels < 0.95).any(axis=-1).mean()
    coloured = (pixels.max(axis=-1) - pixels.min(axis=-1) > 0.2).mean()
    assert not_white > 0.03, f"the page is nearly blank ({not_white:.1%} drawn)"
    assert coloured > 0.005, f"no coloured figure on the page ({coloured:.2%} coloured)"


def assert_card_matches(version: dict, card: str) -> None:
    """Assert that a version's card names its data and shows its recorded scores."""
    evaluation, contract = version["evaluation"], version["data_contract"]
    interval = evaluation["test_interval"]
    assert f"`{contract['fingerprint']}`" in card
    for column, spec in contract["columns"].items():
        assert f"| `{column}` | {spec['role']} |" in card
    assert (
        f"| test | {evaluation['test']:.4f} | {interval['low']:.4f} to {interval['high']:.4f} |"
        in card
    )
    assert f"| train | {evaluation['train']:.4f} |" in card
