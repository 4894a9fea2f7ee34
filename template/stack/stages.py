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


def discard_untrained_version(run_name: str, interrupted_here: bool) -> int | None:
    """Delete the model version of a training run that ended without a trained model.

    A run creates its version first; one that failed, or that was stopped on this
    machine, can never be promoted and would only clutter listings. A run still going
    elsewhere (a remote orchestrator after Ctrl-C) keeps its version. Returns the number
    deleted, if any.
    """
    from zenml.enums import ExecutionStatus

    from stack.components import pipeline_run

    run = pipeline_run(run_name)
    if run is None or run.model_version is None:
        return None
    ended = run.status in (ExecutionStatus.FAILED, ExecutionStatus.STOPPED)
    local = Client().active_stack.orchestrator.flavor == "local"
    if not (ended or (interrupted_here and local)):
        return None
    version = run.model_version
    if version.get_artifact("model") is not None:
        return None
    Client().delete_model_version(version.id)
    logger.info("Deleted model version %s: its training did not finish.", version.number)
    return version.number


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
