"""Stacks beyond one machine: each remote choice registers, and its images are complete."""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT, Renderer
from generated_project import project_env, run_in_project

REMOTE = {
    "container_registry_uri": "registry.example.com/team",
    "experiment_tracker": "mlflow_remote",
    "mlflow_tracking_uri": "https://mlflow.example.com",
    "zenml_server_url": "https://zenml.example.com",
    "deployer": "none",
}
# Every remote orchestrator, and every remote artifact store at least once.
STACKS = [
    {"orchestrator": "kubernetes", "artifact_store": "s3", "alerter": "slack"},
    {"orchestrator": "kubeflow", "artifact_store": "gcs"},
    {"orchestrator": "airflow", "artifact_store": "azure"},
    {"orchestrator": "sagemaker", "artifact_store": "s3"},
    {"orchestrator": "vertex", "artifact_store": "gcs"},
]
# Every deployer flavor that serves away from this process, on the local orchestrator.
DEPLOYER_STACKS = [
    {"deployer": "docker"},
    {"deployer": "kubernetes", "artifact_store": "s3"},
    {"deployer": "aws", "artifact_store": "s3"},
    {"deployer": "gcp", "artifact_store": "gcs"},
]
# Every third-party module the generated code imports, and the integration or
# requirement of configs/docker.yaml that brings it into the image.
COVERED_BY = {
    "sklearn": "sklearn",
    "scipy": "sklearn",  # a dependency of scikit-learn
    "pandas": "pandas",
    "numpy": "pandas",
    "mlflow": "mlflow",
    "skops": "mlflow",  # MLflow saves scikit-learn models with it
    "pyarrow": "mlflow",
    "evidently": "evidently",
    "nannyml": "nannyml",
    "matplotlib": "matplotlib",
    "slack_sdk": "slack-sdk",
    "pydantic": "zenml",  # dependencies of ZenML itself, so in every image
    "yaml": "zenml",
    "click": "zenml",  # SettingsError is a click exception (ml/settings.py)
}
FIRST_PARTY = {
    "ml",
    "steps",
    "pipelines",
    "materializers",
    "alerters",
    "serving",
    "monitoring",
    "stack",
    "upstream",
    "zenml",
}
# ZenML's own list of what `zenml integration install NAME...` installs, as JSON.
PLACEHOLDER_VALUES = {
    ("orchestrator", "dag_output_dir"): "/opt/airflow/dags",
    ("orchestrator", "execution_role"): "arn:aws:iam::123456789012:role/zenml",
    ("orchestrator", "location"): "europe-west1",
    ("deployer", "region"): "eu-west-1",
    ("deployer", "location"): "europe-west1",
}


def imported_modules(project: Path) -> set[str]:
    """Return the top-level modules and ZenML integrations that steps and logic import."""
    found = set()
    for folder in ("steps", "ml", "pipelines", "materializers", "alerters"):
        for path in (project / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    parts = name.split(".")
                    if parts[:2] == ["zenml", "integrations"]:
                        found.add(f"zenml.integrations.{parts[2]}")
                    else:
                        found.add(parts[0])
    return found


def fill_placeholders(project: Path) -> None:
    """Give the placeholders values in configs/stack.local.yaml, as the README asks."""
    spec = yaml.safe_load((project / "configs" / "stack.yaml").read_text())
    local: dict = {"components": {}}
    for kind, component in spec["components"].items():
        for field, value in (component.get("configuration") or {}).items():
            if isinstance(value, str) and "<" in value:
                filled = PLACEHOLDER_VALUES.get((kind, field)) or value.replace("<", "").replace(
                    ">", ""
                )
                local["components"].setdefault(kind, {"configuration": {}})
                local["components"][kind]["configuration"][field] = filled
    (project / "configs" / "stack.local.yaml").write_text(yaml.safe_dump(local))


def stop_process_group(process: subprocess.Popen) -> None:
    """Kill a process started in a session of its own, and whatever it started; reap it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


@pytest.mark.parametrize(
    "stack", STACKS + DEPLOYER_STACKS, ids=lambda stack: "-".join(stack.values())
)
def test_remote_stack_registers_and_its_image_covers_every_import(
    render_project: Renderer, stack: dict, request: pytest.FixtureRequest
) -> None:
    project = render_project(**{**REMOTE, **stack}, slack_channel_id="C0123456789")
    # Locking waits on the package registry (13 s, 1 s of it CPU): it runs while the
    # stack registers, and is checked last.
    locking = subprocess.Popen(
        [str(Path(sys.executable).parent / "uv"), "lock", "--quiet"],
        cwd=project,
        env={**project_env(project), "UV_PYTHON_DOWNLOADS": "never"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    request.addfinalizer(lambda: stop_process_group(locking))  # if an earlier check fails
    docker = yaml.safe_load((project / "configs" / "docker.yaml").read_text())
    integrations = set(docker["required_integrations"])
    requirements = " ".join(docker["requirements"])
    # What `zenml integration install` would add for these is asked in the same process.
    stack_integrations = sorted(integrations - {"sklearn", "pandas", "mlflow", "evidently"})

    register = [str(REPO_ROOT / "tests" / "register_stack.py"), *stack_integrations]
    spec = yaml.safe_load((project / "configs" / "stack.yaml").read_text())
    if "<" in json.dumps(spec):  # a placeholder, such as the bucket
        registered = run_in_project(project, register, check=False, capture=True)
        assert "is still a placeholder" in registered.stderr
        fill_placeholders(project)
    registered = run_in_project(project, register, check=False, capture=True)
    assert registered.returncode == 0, registered.stderr[-3000:]
    answer = json.loads(registered.stdout.strip().splitlines()[-1])
    components = answer["components"]
    assert components["orchestrator"]["flavor"] == stack.get("orchestrator", "local")
    assert "model_deployer" not in components
    assert components.get("deployer", {}).get("flavor") == stack.get("deployer")
    for component in components.values():
        if component["integration"] not in {"built-in", "custom"}:
            assert component["integration"] in integrations, component

    for module in imported_modules(project):
        if module.startswith("zenml.integrations."):
            assert module.split(".")[2] in integrations, module
        elif module not in sys.stdlib_module_names and module not in FIRST_PARTY:
            assert module in COVERED_BY, f"{module} is imported but not in the image"
            covered = COVERED_BY[module]
            assert covered in {*integrations, "zenml"} or covered in requirements, module

    # What `zenml integration install` would add for the stack's flavors is a plain
    # dependency of pyproject.toml instead, so that uv.lock covers it.
    required = answer["requirements"]
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    assert set(required) <= set(dependencies), set(required) - set(dependencies)
    assert "zenml integration install" not in (project / "Makefile").read_text()

    # They resolve together with the project's own dependencies: `make setup` can lock.
    _, errors = locking.communicate(timeout=600)
    assert locking.returncode == 0, errors[-3000:]
    lock = (project / "uv.lock").read_text()
    for requirement in required:
        name = re.split(r"[<>=!\[ ]", requirement, maxsplit=1)[0].lower()
        assert f'name = "{name}"' in lock, requirement
