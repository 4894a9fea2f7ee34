"""Reading and moving model stages in the Model Control Plane and the MLflow registry."""

from __future__ import annotations

from zenml import Model, log_metadata
from zenml.client import Client
from zenml.logger import get_logger
from zenml.models import ModelVersionResponse

from ml.promotion import PromotionDecision
from stack.components import configure_mlflow
from stack.registry import mlflow_registration

logger = get_logger(__name__)


def version_in_stage(model_name: str, stage: str) -> ModelVersionResponse | None:
    """Return the model version that holds `stage`, or None when no version does."""
    try:
        return Client().get_model_version(model_name, stage)
    except KeyError:
        return None


def latest_version_number(model_name: str) -> int:
    """Return the number of the model's newest version, 0 when it has none."""
    try:
        versions = Client().list_model_versions(model_name, sort_by="desc:number", size=1)
    except KeyError:  # no version yet, not even the model
        return 0
    return versions.items[0].number if versions.items else 0


def discard_untrained_versions(model_name: str, after: int) -> list[int]:
    """Delete the versions numbered above `after` that hold no trained model.

    A training run that fails or is stopped has already created its version; without
    a model it can never be promoted, and it would only clutter listings. Returns the
    numbers deleted.
    """
    client = Client()
    deleted = []
    for version in client.list_model_versions(model_name, number=f"gt:{after}", size=100).items:
        if version.get_artifact("model") is None:
            client.delete_model_version(version.id)
            deleted.append(version.number)
    if deleted:
        logger.info("Deleted model versions %s: their training did not finish.", deleted)
    return deleted


def apply_decision(model: Model, stage: str, decision: PromotionDecision) -> None:
    """Record the decision on the new version and, when it says so, promote it.

    The decision is recorded on the ZenML model version and as tags of the MLflow
    registered version the trainer recorded. A version trained from cache shares the
    registered version of the one that trained it: a refusal then leaves that version's
    tags as they are (it may be the one serving), and a promotion replaces them.
    Promotion moves the ZenML stage and sets the MLflow registry alias named after the
    stage on the registered version.
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
    tags = client.get_model_version(name, version).tags
    owner = tags.get("promotion.zenml_version")
    if decision.promote or owner in (None, str(model.version)):
        wanted = {f"promotion.{key}": str(value) for key, value in decision.as_metadata().items()}
        wanted["promotion.zenml_version"] = str(model.version)
        for key in tags.keys() - wanted.keys():
            if key.startswith("promotion."):
                client.delete_model_version_tag(name, version, key)
        for key, value in wanted.items():
            client.set_model_version_tag(name, version, key, value)
    else:
        logger.info(
            "MLflow version %s of '%s' also belongs to version %s and keeps its "
            "promotion tags; this decision is recorded on version %s only.",
            version,
            name,
            owner,
            model.version,
        )
    if decision.promote:
        model.set_stage(stage, force=True)
        client.set_registered_model_alias(name, stage, version)
