"""Print, as JSON, what the generated project's runs left in ZenML and MLflow.

Runs inside a rendered project, with that project's ZenML home in the environment.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import yaml
from zenml.client import Client


def main() -> None:
    """Print what `project_state` returns as one line of JSON."""
    print(json.dumps(project_state()))


def project_state() -> dict:
    """Return pipeline runs, model versions, stage, predictions and MLflow alias."""
    training = yaml.safe_load(Path("configs/training.yaml").read_text())
    name = training["model"]["name"]
    stage = training["parameters"]["promotion"]["target_environment"]
    client = Client()
    runs: dict[str, list[dict]] = {}
    for run in client.list_pipeline_runs(sort_by="asc:created", size=100).items:
        runs.setdefault(run.pipeline.name, []).append(
            {
                "status": str(run.status.value),
                "model_version": run.model_version.number if run.model_version else None,
                "steps": {step: str(s.status.value) for step, s in run.steps.items()},
            }
        )
    client.active_stack.experiment_tracker.configure_mlflow()
    from mlflow import MlflowClient

    mlflow_client = MlflowClient()
    versions = [
        {
            "number": version.number,
            "stage": version.stage.value if hasattr(version.stage, "value") else version.stage,
            "promotion": version.run_metadata.get("promotion"),
            "evaluation": version.run_metadata.get("evaluation"),
            "data_contract": version.run_metadata.get("data_contract"),
            "model_selection": version.run_metadata.get("model_selection"),
            "preprocessing": version.run_metadata.get("preprocessing"),
            "mlflow": model.run_metadata.get("mlflow") if model else None,
            "reports": {
                name: report_summary(version.get_artifact(name))
                for name in ("evaluation_report", "promotion_report")
            },
            "card": text_of(version.get_artifact("model_card")),
        }
        for version in client.list_model_versions(name, sort_by="asc:number", size=100).items
        for model in [version.get_artifact("model")]
    ]
    for version in versions:
        if version["mlflow"] is None:  # a run that failed or stopped before training
            continue
        registered = mlflow_client.get_model_version(name, version["mlflow"]["registered_version"])
        version["mlflow_tags"] = registered.tags
        run_id = version["mlflow"]["run_id"]
        version["mlflow_run_artifacts"] = [
            item.path for item in mlflow_client.list_artifacts(run_id)
        ]
    staged = client.get_model_version(name, stage)
    predictions = staged.get_artifact("predictions")
    batch_runs = client.list_pipeline_runs(
        pipeline_name="batch_inference", sort_by="desc:created", size=1
    ).items
    alias_version = mlflow_client.get_model_version_by_alias(name, stage).version
    from stack.cards import staged_card

    return {
        "runs": runs,
        "versions": versions,
        "staged_version": staged.number,
        "predictions": len(predictions.load()) if predictions else None,
        "mlflow_alias_version": str(alias_version),
        "rows_predicted_that_trained": rows_predicted_that_trained(batch_runs, staged),
        "staged_card": staged_card(),
        "staged_evaluation_report": text_of(staged.get_artifact("evaluation_report")),
    }


def text_of(artifact) -> str | None:
    """Return the text of an HTML or Markdown artifact, None without one."""
    return None if artifact is None else str(artifact.load())


def report_summary(artifact) -> dict | None:
    """Return an HTML report's size in bytes and its sections' ids, None without one."""
    text = text_of(artifact)
    if text is None:
        return None
    return {"bytes": len(text.encode()), "sections": re.findall(r'<section id="([a-z-]+)">', text)}


def rows_predicted_that_trained(batch_runs: list, staged) -> int | None:
    """Return how many rows the last batch run predicted were trained on by the version.

    None without a batch run, and on large tables, which tests of leakage do not use.
    """
    if not batch_runs or "inference_data_loader" not in batch_runs[0].steps:
        return None
    loader = batch_runs[0].steps["inference_data_loader"]
    rows = loader.outputs["inference_dataset"][0].load()
    trained = staged.get_artifact("raw_dataset").load()
    if len(trained) > 100_000:
        return None
    # From the artifact: a version trained from cache has no contract of its own.
    contract = staged.get_artifact("preprocess_pipeline").run_metadata["data_contract"]
    target = contract["target_column"]
    return len(rows.merge(trained.drop(columns=[target]), how="inner"))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    # A native thread of the loaded libraries sometimes aborts during interpreter
    # teardown, after the work is done; skip the teardown.
    os._exit(0)
