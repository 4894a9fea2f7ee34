"""Predict new rows with the promoted model version."""

from typing import Annotated, Any

import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import get_step_context, step
from zenml.logger import get_logger

from materializers import FastParquetMaterializer
from ml.prediction import ServedModel, predict

logger = get_logger(__name__)


@step(output_materializers=FastParquetMaterializer)
def inference_predict(
    dataset_inf: pd.DataFrame, preprocess_pipeline: Pipeline, model: Any
) -> Annotated[pd.DataFrame, "predictions"]:
    """Return one prediction per row, in a column named after the target.

    The rows go through the same prediction function as the online service's, with
    the promoted version's contract, preprocessing and model.
    """
    context = get_step_context()
    contract = context.inputs["preprocess_pipeline"][0].run_metadata["data_contract"]
    served = ServedModel(
        version=context.model.number,
        contract=contract,
        preprocess_pipeline=preprocess_pipeline,
        model=model,
    )
    logger.info("Predicting %d rows with model version %s.", len(dataset_inf), served.version)
    result = predict(dataset_inf, served, with_probabilities=False)
    for warning in result.warnings:
        logger.warning(warning)
    return pd.DataFrame({contract["target_column"]: result.labels}, index=dataset_inf.index)
