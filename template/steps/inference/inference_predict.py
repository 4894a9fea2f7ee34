"""Predict new rows with the promoted model version."""

from typing import Annotated, Any

import pandas as pd
from zenml import get_step_context, step
from zenml.logger import get_logger

from steps.deployment.model_services import running_service_for
from steps.model_registry import mlflow_registration

logger = get_logger(__name__)


@step
def inference_predict(
    features_inf: pd.DataFrame, model: Any, target_column: str
) -> Annotated[pd.Series, "predictions"]:
    """Return one prediction per row, named after the target column.

    The deployed MLflow service answers when it serves this model version; otherwise
    the model artifact from the Model Control Plane predicts in-process.
    """
    version = get_step_context().model
    features = features_inf.drop(columns=[target_column], errors="ignore")
    service = running_service_for(version.name, mlflow_registration(version)["artifact_uri"])
    if service is not None:
        logger.info("Predicting with the service at %s.", service.prediction_url)
        values = service.predict(features)
    else:
        logger.info("No running service for version %s: predicting in-process.", version.number)
        values = model.predict(features)
    return pd.Series(values, index=features.index, name=target_column)
