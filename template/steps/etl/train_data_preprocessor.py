"""Fit the preprocessing pipeline on the training set and apply it to both sets."""

from typing import Annotated

import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import step

from ml.preprocessing import fit_and_transform


@step
def train_data_preprocessor(
    dataset_trn: pd.DataFrame,
    dataset_tst: pd.DataFrame,
    target_column: str,
    normalize: bool,
    drop_columns: list[str],
) -> tuple[
    Annotated[pd.DataFrame, "features_trn"],
    Annotated[pd.DataFrame, "features_tst"],
    Annotated[Pipeline, "preprocess_pipeline"],
]:
    """Return both sets transformed and the fitted pipeline that inference reuses."""
    features_trn, features_tst, preprocess_pipeline = fit_and_transform(
        dataset_trn, dataset_tst, target_column, normalize, drop_columns
    )
    return features_trn, features_tst, preprocess_pipeline
