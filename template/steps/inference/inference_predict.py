"""Predict new rows with the promoted model version."""

from datetime import datetime, timezone
from typing import Annotated, Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import get_step_context, step
from zenml.logger import get_logger

from materializers import FastParquetMaterializer
from ml.monitoring import PREDICTION_ID, batch_key, own_prediction_ids, prediction_ids
from ml.prediction import ServedModel, predict

logger = get_logger(__name__)


# One materializer per output, in the signature's order: a single one for all outputs
# configures them from a set, whose order changes the cache key between processes.
@step(
    output_materializers={
        "predictions": FastParquetMaterializer,
        "probabilities": FastParquetMaterializer,
    }
)
def inference_predict(
    dataset_inf: pd.DataFrame,
    preprocess_pipeline: Pipeline,
    model: Any,
    data_version: str | None,
    id_column: str | None,
) -> tuple[Annotated[pd.DataFrame, "predictions"], Annotated[pd.DataFrame, "probabilities"]]:
    """Return one prediction per row, and the class probabilities of classifiers.

    The rows go through the same prediction function as the online service's, with
    the promoted version's contract, preprocessing and model. Each prediction has a
    `prediction_id` (the rows' own ids when `id_column` names them, which the loader
    put in the index), the batch's id, the model version and the time it was
    predicted. The batch id follows the data's digest (`data_version`, or the rows'
    index for rows held out of training) and the version's id, so a batch predicted again
    keeps its ids. Regressors, and classifiers without probabilities, give no columns
    of probabilities.
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
    result = predict(dataset_inf, served)
    for warning in result.warnings:
        logger.warning(warning)
    digest = data_version or pd.util.hash_pandas_object(dataset_inf.index).sum()
    # The version's id, not its number: numbers start again in a new ZenML store.
    key = batch_key(digest, context.model.id)
    ids = (
        own_prediction_ids(dataset_inf.index.to_series(), id_column)
        if id_column
        else prediction_ids(key, len(dataset_inf))
    )
    predictions = pd.DataFrame(
        {
            PREDICTION_ID: ids.array,
            contract["target_column"]: result.labels,
            "batch_id": repeated(key, len(dataset_inf)),
            "model_version": served.version,
            "predicted_at": repeated(
                datetime.now(timezone.utc).isoformat(timespec="seconds"), len(dataset_inf)
            ),
        },
        index=dataset_inf.index,
    )
    probabilities = result.probabilities
    if probabilities is None:
        probabilities = pd.DataFrame(index=dataset_inf.index)
    return predictions, probabilities


def repeated(value: str, rows: int) -> pd.Categorical:
    """Return one text value for every row, stored once."""
    return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), [value])
