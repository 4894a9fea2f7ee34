"""Serve the promoted model version with the stack's MLflow model deployer."""

from typing import Annotated, Any

from zenml import get_step_context, log_metadata, step
from zenml.logger import get_logger

from steps.deployment.model_services import (
    local_model_deployer,
    model_services,
    running_service_for,
)
from steps.model_registry import mlflow_registration

logger = get_logger(__name__)

START_TIMEOUT_SECONDS = 120


@step(enable_cache=False)
def deployment_deploy() -> Annotated[dict[str, Any], "deployment_summary"]:
    """Make the stage's model version the one being served, replacing older services.

    Idempotent: a service that already serves this exact version is kept. Without a
    deployer that can run here, nothing is deployed and batch inference predicts
    in-process from the Model Control Plane. Returns where the version is served.
    """
    context = get_step_context()
    model = context.model
    deployer = local_model_deployer()
    if deployer is None:
        logger.info(
            "No local model deployer in the active stack: batch inference will "
            "predict in-process with model version %s.",
            model.number,
        )
        return {"model version": model.number, "served by": "in-process prediction"}
    registered = mlflow_registration(model)
    service = running_service_for(model.name, registered["artifact_uri"])
    if service is None:
        from zenml.integrations.mlflow.services import (
            MLFlowDeploymentConfig,
            MLFlowDeploymentService,
        )

        for old in model_services(model.name):
            logger.info("Removing the service of an earlier version: %s.", old.uuid)
            deployer.delete_model_server(old.uuid)
        service = deployer.deploy_model(
            config=MLFlowDeploymentConfig(
                model_name=model.name,
                model_version=str(model.number),
                model_uri=registered["artifact_uri"],
                registry_model_name=registered["registered_model"],
                registry_model_version=registered["registered_version"],
                pipeline_name=context.pipeline.name,
                pipeline_step_name=context.step_run.name,
                timeout=START_TIMEOUT_SECONDS,
            ),
            service_type=MLFlowDeploymentService.SERVICE_TYPE,
            timeout=START_TIMEOUT_SECONDS,
        )
        if not service.is_running:
            raise RuntimeError(
                f"The MLflow prediction service for version {model.number} did not start: "
                f"{service.status.last_error or 'no error reported'}. Its log is "
                f"{service.status.log_file}."
            )
    logger.info("Model version %s is served at %s.", model.number, service.prediction_url)
    log_metadata(
        metadata={"deployment": {"prediction_url": service.prediction_url}},
        model_version_id=model.id,
    )
    return {"model version": model.number, "served by": service.prediction_url}
