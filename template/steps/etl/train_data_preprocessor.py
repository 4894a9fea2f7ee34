"""Fit the preprocessing pipeline on the training set and apply it to both sets."""

from typing import Annotated

import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import log_metadata, step
from zenml.logger import get_logger

from materializers import FastParquetMaterializer
from ml.contract import build_contract
from ml.preprocessing import build_preprocessor, fit_and_transform
from ml.roles import infer_roles
from ml.settings import DataSettings, PreprocessingSettings

logger = get_logger(__name__)


@step(
    output_materializers={
        "features_trn": FastParquetMaterializer,
        "features_tst": FastParquetMaterializer,
    }
)
def train_data_preprocessor(
    dataset_trn: pd.DataFrame,
    dataset_tst: pd.DataFrame,
    target_trn: pd.Series,
    data: DataSettings,
    preprocessing: PreprocessingSettings,
) -> tuple[
    Annotated[pd.DataFrame, "features_trn"],
    Annotated[pd.DataFrame, "features_tst"],
    Annotated[Pipeline, "preprocess_pipeline"],
]:
    """Return both sets transformed and the fitted pipeline that inference reuses.

    Each column's role is inferred from the training rows unless
    `preprocessing.column_roles` sets it. The data contract of the training rows, roles
    and target included, is recorded on the pipeline artifact, which inference checks
    new rows against, and on the model version.
    """
    roles = infer_roles(dataset_trn, preprocessing.column_roles)
    contract = build_contract(dataset_trn, target_trn, data.task_type, roles)
    preprocessor = build_preprocessor(
        dataset_trn,
        roles,
        preprocessing.normalize,
        preprocessing.max_features,
        target_classes=len(contract.get("target_classes", [])),
        random_state=data.random_state,
        drop_columns=preprocessing.drop_columns,
    )
    features_trn, features_tst, preprocess_pipeline = fit_and_transform(
        dataset_trn, target_trn, dataset_tst, preprocessor
    )
    width = features_trn.shape[1]
    logger.info(
        "Column roles: %s; %d feature columns (max_features %d).",
        ", ".join(f"{name} {role}" for name, role in roles.items()),
        width,
        preprocessing.max_features,
    )
    widths = {"feature_columns": width, "max_features": preprocessing.max_features}
    log_metadata(metadata={"data_contract": contract, "preprocessing": widths}, infer_model=True)
    log_metadata(
        metadata={"data_contract": contract},
        artifact_name="preprocess_pipeline",
        infer_artifact=True,
    )
    return features_trn, features_tst, preprocess_pipeline
