"""Reading and moving model stages in the Model Control Plane and the MLflow registry."""

from __future__ import annotations

from zenml import Model, log_metadata
from zenml.client import Client
from zenml.logger import get_logger
from zenml.models import ModelVersionResponse

from ml.promotion import PromotionDecision
from steps.model_registry import mlflow_registration
from steps.stack import configure_mlflow

logger = get_logger(__name__)


def version_in_stage(model_name: str, stage: str) -> ModelVersionResponse | None:
    """Return the model version that holds `stage`, or None when no version does."""
    try:
        return Client().get_model_version(model_name, stage)
    except KeyError:
        return None


def apply_decision(model: Model, stage: str, decision: PromotionDecision) -> None:
    """Record the decision on the new version and, when it says so, promote it.

    The decision is recorded on the ZenML model version and as tags of the MLflow
    registered version the trainer recorded. Promotion moves the ZenML stage and sets
    the MLflow registry alias named after the stage on that registered version.
    """
    logger.info(
        "Promotion of version %s to %s: %s (%s).",
        model.version,
        stage,
        "yes" if decision.promote else "no",
        decision.reason,
    )
    log_metadata(metadata={"promotion": decision.as_metadata()}, model_version_id=model.id)
    registered = mlflow_registration(model)
    configure_mlflow()
    from mlflow import MlflowClient

    client = MlflowClient()
    name, version = registered["registered_model"], registered["registered_version"]
    for key, value in decision.as_metadata().items():
        client.set_model_version_tag(name, version, f"promotion.{key}", str(value))
    client.set_model_version_tag(name, version, "promotion.zenml_version", str(model.version))
    if decision.promote:
        model.set_stage(stage, force=True)
        client.set_registered_model_alias(name, stage, version)
