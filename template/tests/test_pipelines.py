"""The three pipelines run for real: training, the online service and batch inference.

Slow (`make ci` runs it, `make test` does not). It runs a copy of this project on a
throwaway local stack: its own ZenML store and MLflow files in pytest's tmp_path,
whatever stack configs/stack.yaml describes, so it never touches your own.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parent.parent
# The project's code and configs, without its environment, state or caches.
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".uv-bootstrap",
    ".uv-cache",
    ".zen",
    ".zenml-home",
    "mlruns",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
)
# What the runs left in ZenML, as one JSON line: MLflow's store, staged model versions,
# the rows of the last batch run's predictions, and the deployments with whether each
# answers.
INSPECT = """
import json, os, sys
import httpx
from zenml.client import Client

client = Client()
staged = [
    f"{version.model.name} {version.number}: {version.stage}"
    for version in client.list_model_versions(size=100).items
    if version.stage
]
batch = client.list_pipeline_runs(pipeline_name="batch_inference", sort_by="desc:created", size=1)
outputs = {}
if batch.items:
    for step in batch.items[0].steps.values():
        outputs.update({name: versions[0] for name, versions in step.outputs.items()})
predictions = outputs["predictions"].load() if "predictions" in outputs else None
rows = outputs["inference_dataset"].load().head(2) if "inference_dataset" in outputs else None


def answers(url):
    try:
        return httpx.get(f"{url}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


deployments = [
    {"name": d.name, "url": d.url, "answers": bool(d.url) and answers(d.url)}
    for d in client.list_deployments(size=100).items
]
print(json.dumps({
    "tracking_uri": client.active_stack.experiment_tracker.get_tracking_uri(),
    "staged": staged,
    "predictions": None if predictions is None else len(predictions),
    "rows": None if rows is None else json.loads(rows.to_json(orient="records")),
    "deployments": deployments,
}))
sys.stdout.flush()
os._exit(0)  # a native thread of the loaded libraries sometimes aborts in teardown
"""


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def local_stack(name: str) -> dict:
    """Return a stack of this machine only, with the components the pipelines use."""
    return {
        "name": f"{name}_smoke_test",
        "zenml_server_url": "",
        "components": {
            "orchestrator": {"name": "smoke_orchestrator", "flavor": "local"},
            "artifact_store": {"name": "smoke_artifacts", "flavor": "local"},
            "experiment_tracker": {"name": "smoke_mlflow_tracker", "flavor": "mlflow"},
            "model_registry": {"name": "smoke_mlflow_registry", "flavor": "mlflow"},
            "deployer": {
                "name": "smoke_deployer",
                "flavor": "local",
                "configuration": {"port": free_port()},
            },
            "data_validator": {"name": "smoke_evidently", "flavor": "evidently"},
        },
    }


class ThrowawayProject:
    """A copy of the project whose ZenML store and MLflow files live in a temporary folder."""

    def __init__(self, root: Path, zenml_home: Path) -> None:
        self.root = root
        self.zenml_home = zenml_home
        self.env = {
            **os.environ,
            # The local artifact store, and MLflow's files inside it, sit in this folder.
            "ZENML_CONFIG_PATH": str(zenml_home),
            "ZENML_ANALYTICS_OPT_IN": "false",
            "ZENML_AUTO_OPEN_DASHBOARD": "false",
            "ZENML_ENABLE_RICH_TRACEBACK": "false",
            "PYTHONPATH": str(root),
        }
        self.env.pop("MLFLOW_TRACKING_URI", None)

    def python(self, *args: str) -> str:
        """Run the project's interpreter with `args` in the copy; return what it printed."""
        result = subprocess.run(
            [sys.executable, *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"python {' '.join(args)} failed:\n{output[-5000:]}"
        return result.stdout

    def inspect(self) -> dict:
        """Return what the runs left in ZenML (see INSPECT)."""
        return json.loads(self.python("-c", INSPECT).strip().splitlines()[-1])


@pytest.fixture
def throwaway_project(tmp_path: Path) -> Iterator[ThrowawayProject]:
    """Yield a copy of the project on a local stack of its own; stop its service after."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root, ignore=NOT_COPIED)
    stack_name = yaml.safe_load((root / "configs" / "stack.yaml").read_text())["name"]
    (root / "configs" / "stack.yaml").write_text(yaml.safe_dump(local_stack(stack_name)))
    (root / "configs" / "stack.local.yaml").write_text("{}\n")
    project = ThrowawayProject(root, tmp_path / "zenml-home")
    project.python("scripts/setup_stack.py")
    yield project
    subprocess.run(
        [sys.executable, "-m", "serving", "stop"],
        cwd=root,
        env=project.env,
        capture_output=True,
    )


def invoke(url: str, rows: list[dict]) -> dict:
    """POST rows to the online service's /invoke and return its JSON answer."""
    request = urllib.request.Request(
        f"{url}/invoke",
        data=json.dumps({"parameters": {"rows": rows}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def test_training_serving_and_batch_inference_run_and_leave_nothing_running(
    throwaway_project: ThrowawayProject,
) -> None:
    throwaway_project.python("run.py")

    state = throwaway_project.inspect()
    assert str(throwaway_project.zenml_home) in state["tracking_uri"], state["tracking_uri"]
    assert state["staged"], "training staged no model version"
    assert state["predictions"], "batch inference left no predictions artifact"
    [deployment] = state["deployments"]
    assert deployment["answers"], f"the online service at {deployment['url']} does not answer"
    answer = invoke(deployment["url"], state["rows"])
    assert len(answer["outputs"]["predictions"]) == len(state["rows"])

    throwaway_project.python("-m", "serving", "stop")
    after = throwaway_project.inspect()
    assert after["deployments"] == [], "the deployment is still registered after stop"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{deployment['url']}/health", timeout=5)
