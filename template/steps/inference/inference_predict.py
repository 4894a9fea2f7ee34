"""Predict new rows with the promoted model version."""

from typing import Annotated, Any

import pandas as pd
from zenml import get_step_context, step
from zenml.logger import get_logger

from materializers import FastParquetMaterializer
from steps.deployment.model_services import running_service_for
from steps.model_registry import mlflow_registration

logger = get_logger(__name__)


@step(output_materializers=FastParquetMaterializer)
def inference_predict(
    features_inf: pd.DataFrame, model: Any, target_column: str, service_max_rows: int
) -> Annotated[pd.DataFrame, "predictions"]:
    """Return one prediction per row, in a column named after the target.

    The deployed MLflow service answers batches of up to `service_max_rows` rows when it
    serves this model version; larger batches, and stacks without a service, are
    predicted in-process by the same model from the Model Control Plane, loaded once.
    """
    version = get_step_context().model
    features = features_inf.drop(columns=[target_column], errors="ignore")
    service = None
    if len(features) <= service_max_rows:
        service = running_service_for(version.name, mlflow_registration(version)["artifact_uri"])
    if service is not None:
        logger.info("Predicting with the service at %s.", service.prediction_url)
        values = service.predict(features)
    else:
        logger.info("Predicting %d rows in-process with version %s.", len(features), version.number)
        values = model.predict(features)
    return pd.DataFrame({target_column: values}, index=features.index)
