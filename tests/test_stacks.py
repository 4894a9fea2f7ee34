"""Stacks beyond one machine: each remote choice registers, and its images are complete."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT, Renderer
from generated_project import run_in_project

REMOTE = {
    "container_registry_uri": "registry.example.com/team",
    "experiment_tracker": "mlflow_remote",
    "mlflow_tracking_uri": "https://mlflow.example.com",
    "zenml_server_url": "https://zenml.example.com",
    "model_deployer": "none",
}
# Every remote orchestrator, and every remote artifact store at least once.
STACKS = [
    {"orchestrator": "kubernetes", "artifact_store": "s3", "alerter": "slack"},
    {"orchestrator": "kubeflow", "artifact_store": "gcs"},
    {"orchestrator": "airflow", "artifact_store": "azure"},
    {"orchestrator": "sagemaker", "artifact_store": "s3"},
    {"orchestrator": "vertex", "artifact_store": "gcs"},
]
# What the generated code imports, and the integration (or requirement) that covers it.
COVERED_BY = {
    "sklearn": "sklearn",
    "pandas": "pandas",
    "mlflow": "mlflow",
    "evidently": "evidently",
    "slack_sdk": "slack-sdk",
}
PLACEHOLDER_VALUES = {
    "dag_output_dir": "/opt/airflow/dags",
    "execution_role": "arn:aws:iam::123456789012:role/zenml",
    "location": "europe-west1",
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
    """Replace the stack file's placeholders, as the README asks a user to."""
    path = project / "configs" / "stack.yaml"
    spec = yaml.safe_load(path.read_text())
    for component in spec["components"].values():
        configuration = component.get("configuration") or {}
        for field in configuration:
            if field in PLACEHOLDER_VALUES:
                configuration[field] = PLACEHOLDER_VALUES[field]
    path.write_text(yaml.safe_dump(spec, sort_keys=False))


@pytest.mark.parametrize("stack", STACKS, ids=lambda stack: "-".join(stack.values()))
def test_remote_stack_registers_and_its_image_covers_every_import(
    render_project: Renderer, stack: dict
) -> None:
    project = render_project(**REMOTE, **stack, slack_channel_id="C0123456789")
    docker = yaml.safe_load((project / "configs" / "docker.yaml").read_text())
    integrations = set(docker["required_integrations"])
    requirements = " ".join(docker["requirements"])

    register = [str(REPO_ROOT / "tests" / "register_stack.py")]
    registered = run_in_project(project, register, check=False, capture=True)
    if stack["orchestrator"] in {"airflow", "sagemaker", "vertex"}:
        assert "Replace the placeholder of orchestrator.configuration." in registered.stderr
        fill_placeholders(project)
        registered = run_in_project(project, register, check=False, capture=True)
    assert registered.returncode == 0, registered.stderr[-3000:]
    components = json.loads(registered.stdout.strip().splitlines()[-1])
    assert components["orchestrator"]["flavor"] == stack["orchestrator"]
    assert "model_deployer" not in components
    for component in components.values():
        if component["integration"] not in {"built-in", "custom"}:
            assert component["integration"] in integrations, component

    for module in imported_modules(project):
        if module.startswith("zenml.integrations."):
            assert module.split(".")[2] in integrations, module
        elif module in COVERED_BY:
            covered = COVERED_BY[module]
            assert covered in integrations or covered in requirements, module
    makefile = (project / "Makefile").read_text()
    assert "integration install -y" in makefile
