"""Load the new, unlabelled rows that batch inference predicts."""

from typing import Annotated

import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import get_step_context, step
from zenml.logger import get_logger

from materializers import FastParquetMaterializer
from ml.contract import enforce_contract
from ml.data import load_dataset, read_table, split_inference_holdout

logger = get_logger(__name__)


@step(output_materializers=FastParquetMaterializer)
def inference_data_loader(
    dataset: str,
    dataset_path: str | None,
    target_column: str,
    inference_data_path: str | None,
    inference_share: float,
    random_state: int,
    data_version: str | None,
    preprocess_pipeline: Pipeline,
) -> Annotated[pd.DataFrame, "inference_dataset"]:
    """Return the new rows, checked against the data contract of the promoted version.

    The rows come from `inference_data_path` when it is set, otherwise from the share
    of the dataset that training held out. A target column, if present, is removed.
    The contract is the metadata of the version's `preprocess_pipeline` artifact;
    `data_version`, the source file's content digest, only keys the step cache.
    """
    if inference_data_path:
        frame = read_table(inference_data_path, "inference_data_path")
    else:
        labelled = load_dataset(dataset, dataset_path, target_column)
        _, frame = split_inference_holdout(labelled, inference_share, random_state)
    contract = get_step_context().inputs["preprocess_pipeline"][0].run_metadata["data_contract"]
    checked, warnings = enforce_contract(
        frame.drop(columns=[target_column], errors="ignore"), contract
    )
    for warning in warnings:
        logger.warning(warning)
    return checked
