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

    Promotion moves the ZenML stage and sets the MLflow registry alias named after
    the stage on the registered version that the trainer recorded.
    """
    logger.info(
        "Promotion of version %s to %s: %s (%s).",
        model.version,
        stage,
        "yes" if decision.promote else "no",
        decision.reason,
    )
    log_metadata(metadata={"promotion": decision.as_metadata()}, model_version_id=model.id)
    if not decision.promote:
        return
    model.set_stage(stage, force=True)
    registered = mlflow_registration(model)
    configure_mlflow()
    from mlflow import MlflowClient

    MlflowClient().set_registered_model_alias(
        registered["registered_model"], stage, registered["registered_version"]
    )
