"""Fit the preprocessing pipeline on the training set and apply it to both sets."""

from typing import Annotated

import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import log_metadata, step

from ml.contract import build_contract
from ml.preprocessing import fit_and_transform


@step
def train_data_preprocessor(
    dataset_trn: pd.DataFrame,
    dataset_tst: pd.DataFrame,
    target_column: str,
    task_type: str,
    normalize: bool,
    drop_columns: list[str],
) -> tuple[
    Annotated[pd.DataFrame, "features_trn"],
    Annotated[pd.DataFrame, "features_tst"],
    Annotated[Pipeline, "preprocess_pipeline"],
]:
    """Return both sets transformed and the fitted pipeline that inference reuses.

    The data contract of the training rows is recorded on the pipeline artifact, which
    inference checks new rows against, and on the model version.
    """
    contract = build_contract(dataset_trn, target_column, task_type)
    log_metadata(metadata={"data_contract": contract}, infer_model=True)
    log_metadata(
        metadata={"data_contract": contract},
        artifact_name="preprocess_pipeline",
        infer_artifact=True,
    )
    features_trn, features_tst, preprocess_pipeline = fit_and_transform(
        dataset_trn, dataset_tst, target_column, normalize, drop_columns
    )
    return features_trn, features_tst, preprocess_pipeline
