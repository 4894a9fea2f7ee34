"""Serve the staged version's MLflow model with MLflow's own scoring server, for the benchmark.

Runs inside a generated project with its ZenML home; usage: serve_mlflow_model.py PORT.
It replaces itself with `mlflow models serve`, so stopping this process stops the server.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import yaml
from zenml.client import Client


def main() -> None:
    """Point MLflow at the project's tracking store and serve models:/<name>@<stage>."""
    training = yaml.safe_load(Path("configs/training.yaml").read_text())
    stage = training["parameters"]["promotion"]["target_environment"]
    uri = f"models:/{training['model']['name']}@{stage}"
    tracking_uri = Client().active_stack.experiment_tracker.get_tracking_uri()
    mlflow = shutil.which("mlflow", path=str(Path(sys.executable).parent))
    command = [mlflow, "models", "serve", "-m", uri, "--env-manager", "local"]
    command += ["--host", "127.0.0.1", "--port", sys.argv[1], "--workers", "1"]
    os.execve(mlflow, command, {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri})


if __name__ == "__main__":
    main()
