"""Load the new, unlabelled rows that batch inference predicts."""

from typing import Annotated

import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import get_step_context, step
from zenml.logger import get_logger

from materializers import FastParquetMaterializer
from ml.contract import enforce_contract
from ml.data import DataError, load_held_out_rows, read_table
from ml.settings import DataSettings

logger = get_logger(__name__)


@step(output_materializers=FastParquetMaterializer)
def inference_data_loader(
    inference_data_path: str | None,
    data_version: str | None,
    preprocess_pipeline: Pipeline,
    id_column: str | None = None,
) -> Annotated[pd.DataFrame, "inference_dataset"]:
    """Return the new rows, checked against the data contract of the promoted version.

    The rows come from `inference_data_path` when it is set, otherwise from the rows
    the version held out of training, found with the data settings recorded on the
    version. A target column, if present, is removed. The contract is the metadata of
    the version's `preprocess_pipeline` artifact; `data_version`, the file's content
    digest, only keys the step cache. The rows' own ids, when `id_column` names a
    column of them, become the index.
    """
    context = get_step_context()
    contract = context.inputs["preprocess_pipeline"][0].run_metadata["data_contract"]
    raw_dataset = context.model.get_artifact("raw_dataset")
    trained = raw_dataset.run_metadata if raw_dataset is not None else {}
    if inference_data_path:
        if data_version is not None and data_version == trained.get("dataset_version"):
            raise DataError(
                f"{inference_data_path} is the file model version {context.model.version} "
                "was trained on: point inference_data_path in configs/batch_inference.yaml "
                "at new rows, or set it to null to predict the rows training held out."
            )
        frame = read_table(inference_data_path, "inference_data_path")
    else:
        if "data_settings" not in trained:
            raise DataError(
                f"Model version {context.model.version} was trained before versions "
                "recorded their data settings, so its held-out rows are not known: train "
                "again, or set inference_data_path in configs/batch_inference.yaml."
            )
        frame = load_held_out_rows(
            DataSettings.model_validate(trained["data_settings"]),
            trained.get("dataset_version"),
            str(context.model.version),
        )
    if id_column:
        if id_column not in frame.columns:
            raise DataError(
                f"The new rows have no column '{id_column}', which id_column in "
                "configs/monitoring.yaml names: add it, or set id_column to null."
            )
        # Unnamed, so that the index and a column of the same name are never confused.
        frame.index = pd.Index(frame[id_column].to_numpy())
        if id_column not in contract["columns"]:
            frame = frame.drop(columns=id_column)
    checked, warnings = enforce_contract(frame, contract)
    for warning in warnings:
        logger.warning(warning)
    return checked
