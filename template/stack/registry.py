"""Where the MLflow model registry keeps the model of a ZenML model version."""

from __future__ import annotations

from typing import Any

from zenml import Model


def mlflow_registration(model: Model) -> dict[str, Any]:
    """Return the MLflow registration the trainer recorded on the version's model.

    The record sits on the model artifact rather than on the version, so a version
    whose training was served from the step cache finds it too.
    """
    try:
        return dict(model.get_artifact("model").run_metadata["mlflow"])
    except (AttributeError, KeyError):
        raise RuntimeError(
            f"Model version {model.version} of '{model.name}' has no MLflow registration "
            "on its model artifact; train it with this project's training pipeline."
        ) from None
