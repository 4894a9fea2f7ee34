"""Export the promoted version's preprocessing pipeline and model, for the benchmark.

Runs inside a generated project with its ZenML home; usage: export_models.py OUT.pkl
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import yaml
from zenml.client import Client


def main() -> None:
    """Pickle (preprocess_pipeline, model) of the version in the target stage."""
    parameters = yaml.safe_load(Path("configs/training.yaml").read_text())
    version = Client().get_model_version(
        parameters["model"]["name"], parameters["parameters"]["promotion"]["target_environment"]
    )
    pair = (
        version.get_artifact("preprocess_pipeline").load(),
        version.get_artifact("model").load(),
    )
    Path(sys.argv[1]).write_bytes(pickle.dumps(pair))


if __name__ == "__main__":
    main()
