"""Print, as JSON, the last batch run's raw rows and predictions, and MLflow's answers.

Runs inside a rendered project, with that project's ZenML home in the environment:
the raw rows that batch inference checked and predicted, its predictions, and the
predictions of the staged MLflow model (the whole pipeline) loaded with mlflow.pyfunc,
given the rows with gaps as NaN, as pandas reads them from a file.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import yaml
from zenml.client import Client


def main() -> None:
    """Print what `batch_and_pyfunc_answers` returns as one line of JSON."""
    print(json.dumps(batch_and_pyfunc_answers()))


def batch_and_pyfunc_answers() -> dict:
    """Return the batch run's rows and predictions, and pyfunc's on the same rows."""
    training = yaml.safe_load(Path("configs/training.yaml").read_text())
    name = training["model"]["name"]
    target = training["parameters"]["data"]["target_column"]
    stage = training["parameters"]["promotion"]["target_environment"]
    client = Client()
    run = client.list_pipeline_runs(
        pipeline_name="batch_inference", sort_by="desc:created", size=1
    ).items[0]
    rows = run.steps["inference_data_loader"].outputs["inference_dataset"][0].load()
    predictions = run.steps["inference_predict"].outputs["predictions"][0].load()
    client.active_stack.experiment_tracker.configure_mlflow()
    import mlflow.pyfunc

    pyfunc = mlflow.pyfunc.load_model(f"models:/{name}@{stage}")
    return {
        # Python's float repr round-trips exactly; to_json rounds to 10 digits.
        "rows": rows.astype(object).where(rows.notna(), None).to_dict(orient="records"),
        "batch": predictions[target].tolist(),
        "pyfunc": [
            value.item() if hasattr(value, "item") else value
            for value in pyfunc.predict(rows.fillna(np.nan))
        ],
    }


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)
