"""The generated project's own environment, CI, pre-commit and pipeline tests work.

One default render, made a git repository by the template's task, is set up with
`make setup` from nothing but python3 and make (uv is taken off PATH, so the
bootstrap venv is exercised), then runs `make ci` exactly as its workflow does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import Renderer
from generated_project import kill_processes_under, render

CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")
WORKFLOWS = {
    "github": (".github/workflows/ci.yml", "vendor.github-workflows"),
    "gitlab": (".gitlab-ci.yml", "vendor.gitlab-ci"),
}


def without_uv(path: str) -> str:
    """Return PATH without the folders that hold a uv executable."""
    return os.pathsep.join(
        folder for folder in path.split(os.pathsep) if not shutil.which("uv", path=folder)
    )


@dataclass
class SetUpProject:
    """A default render after `make setup`, with what the set-up printed and took."""

    root: Path
    env: dict[str, str]
    setup_output: str
    setup_seconds: float

    def make(self, *targets: str) -> subprocess.CompletedProcess[str]:
        """Run make in the project, as a user with only python3 and make would."""
        return subprocess.run(
            ["make", *targets], cwd=self.root, env=self.env, capture_output=True, text=True
        )

    def tool(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a tool of the project's .venv."""
        return subprocess.run(
            [str(self.root / ".venv" / "bin" / name), *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
        )


@pytest.fixture(scope="module")
def set_up_project(tmp_path_factory: pytest.TempPathFactory) -> SetUpProject:
    """Render the default project with its git task and run `make setup` once."""
    root = render(tmp_path_factory.mktemp("ci") / "project", {}, tasks=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VIRTUAL_ENV", "ZENML_", "MLFLOW_", "PYTHONPATH"))
    }
    env.update(
        {
            "PATH": without_uv(env["PATH"]),
            "ZENML_CONFIG_PATH": str(root / ".zenml-home"),
            "ZENML_ANALYTICS_OPT_IN": "false",
            "ZENML_AUTO_OPEN_DASHBOARD": "false",
            # Compiled once at install: this machine's Python writes no bytecode.
            "UV_COMPILE_BYTECODE": "1",
        }
    )
    start = time.monotonic()
    result = subprocess.run(["make", "setup"], cwd=root, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - start
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return SetUpProject(root, env, result.stdout + result.stderr, seconds)


@pytest.mark.slow
def test_make_setup_builds_the_venv_from_a_lock_once(set_up_project: SetUpProject) -> None:
    project = set_up_project
    print(f"make setup from nothing: {project.setup_seconds:.0f} s")
    # No uv on PATH: make installed it into a bootstrap venv of its own.
    assert (project.root / ".uv-bootstrap" / "bin" / "uv").exists()
    assert (project.root / ".venv" / "bin" / "python").exists()
    assert "Stack 'zenml_e2e_project_local' is active." in project.setup_output
    lock = (project.root / "uv.lock").read_text()
    assert 'name = "zenml"' in lock and 'name = "pre-commit"' in lock
    uv = str(project.root / ".uv-bootstrap" / "bin" / "uv")
    checked = subprocess.run(
        [uv, "lock", "--check", "--offline"],
        cwd=project.root,
        env=project.env,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr

    again = project.make("setup")
    assert again.returncode == 0, again.stderr
    assert "Nothing to be done for 'setup'" in again.stdout
    assert project.make("-q", "setup").returncode == 0  # every stamp is up to date

    # A dependency added without `make lock` is refused, not installed around the lock.
    pyproject = project.root / "pyproject.toml"
    original = pyproject.read_text()
    try:
        pyproject.write_text(original.replace('"pyyaml>=6",', '"pyyaml>=6", "tqdm",'))
        refused = project.make("venv")
        assert refused.returncode != 0
        assert "needs to be updated" in refused.stderr
    finally:
        pyproject.write_text(original)


@pytest.mark.slow
def test_make_ci_lints_and_runs_every_test_with_the_pipelines(
    set_up_project: SetUpProject,
) -> None:
    project = set_up_project
    start = time.monotonic()
    result = project.make("ci")
    print(f"make ci: {time.monotonic() - start:.0f} s")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    assert "ruff check ." in output and "check_yaml.py configs/" in output
    assert "tests/test_pipelines.py ." in output
    assert " failed" not in output and "skipped" not in output
    assert kill_processes_under(project.root) == []

    # `make test` is the fast half: it leaves the pipelines' test out.
    fast = project.tool("python", "-m", "pytest", "-m", "not slow", "--collect-only", "-q")
    assert "test_pipelines.py" not in fast.stdout and "deselected" in fast.stdout
    assert '-m "not slow"' in project.make("-n", "test").stdout


@pytest.mark.slow
def test_pre_commit_hooks_pass_offline_and_catch_a_broken_config(
    set_up_project: SetUpProject,
) -> None:
    project = set_up_project
    assert (project.root / ".git").is_dir()
    passed = project.tool("pre-commit", "run", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    for hook in ("ruff check", "ruff format", "configs are valid YAML"):
        assert hook in passed.stdout

    serving = project.root / "configs" / "serving.yaml"
    original = serving.read_text()
    try:
        serving.write_text(original + "broken: [unclosed\n")
        failed = project.tool("pre-commit", "run", "--all-files")
        assert failed.returncode == 1
        assert "configs/serving.yaml is not valid YAML" in failed.stdout
    finally:
        serving.write_text(original)


@pytest.mark.parametrize("ci", sorted(WORKFLOWS))
def test_ci_workflow_matches_its_published_schema_and_runs_make_ci(
    render_project: Renderer, ci: str
) -> None:
    project = render_project(ci=ci)
    path, schema = WORKFLOWS[ci]
    checked = subprocess.run(
        [CHECK_JSONSCHEMA, "--builtin-schema", schema, path],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    workflow = yaml.safe_load((project / path).read_text())
    if ci == "github":
        steps = workflow["jobs"]["ci"]["steps"]
        assert [step["run"] for step in steps if "run" in step] == ["make ci"]
        [uv] = [step for step in steps if step.get("uses", "").startswith("astral-sh/setup-uv")]
        assert uv["with"]["enable-cache"] is True
    else:
        assert workflow["ci"]["script"] == ["make ci"]
        assert workflow["ci"]["cache"]["paths"] == [workflow["ci"]["variables"]["UV_CACHE_DIR"]]
    other = WORKFLOWS["gitlab" if ci == "github" else "github"][0]
    assert not (project / other).exists()
