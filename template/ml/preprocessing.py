"""The preprocessing pipeline fitted on training data and reused unchanged at inference."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def build_preprocessor(
    features: pd.DataFrame, normalize: bool, drop_columns: Sequence[str] = ()
) -> Pipeline:
    """Return an unfitted pipeline that imputes, scales and one-hot encodes features.

    Numeric columns are imputed with their median and, when `normalize` is set,
    standardised; every other column is imputed with its most frequent value and
    one-hot encoded, ignoring categories first seen at inference.
    """
    unknown = sorted(set(drop_columns) - set(features.columns))
    if unknown:
        raise ValueError(f"Cannot drop columns that do not exist: {', '.join(unknown)}.")
    kept = features.drop(columns=list(drop_columns))
    numeric = kept.select_dtypes(include="number").columns.tolist()
    categorical = [column for column in kept.columns if column not in numeric]
    numeric_steps = [("impute", SimpleImputer(strategy="median"))]
    if normalize:
        numeric_steps.append(("scale", StandardScaler()))
    categorical_steps = [
        ("impute", SimpleImputer(strategy="most_frequent")),
        ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
    ]
    columns = ColumnTransformer(
        [
            ("numeric", Pipeline(numeric_steps), numeric),
            ("categorical", Pipeline(categorical_steps), categorical),
        ],
        remainder="drop",
        verbose_feature_names_out=False,
    )
    return Pipeline([("columns", columns)]).set_output(transform="pandas")


def gaps_as_nan(features: pd.DataFrame) -> pd.DataFrame:
    """Return `features` with every gap in a text column as NaN.

    Parquet and JSON give a gap in a text column as None, which imputation does not see
    as missing; NaN it imputes. Fitting and predicting both pass through here.
    """
    text = features.select_dtypes(include="object").columns
    if len(text) == 0:
        return features
    return features.assign(**{name: features[name].fillna(np.nan) for name in text})


def transform(preprocessor: Pipeline, frame: pd.DataFrame, target_column: str) -> pd.DataFrame:
    """Apply a fitted preprocessor to `frame`, keeping its target column if present."""
    features = gaps_as_nan(frame.drop(columns=[target_column], errors="ignore"))
    transformed = preprocessor.transform(features)
    transformed.index = frame.index
    if target_column in frame.columns:
        transformed[target_column] = frame[target_column]
    return transformed


def fit_and_transform(
    train: pd.DataFrame,
    test: pd.DataFrame,
    target_column: str,
    normalize: bool,
    drop_columns: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame, Pipeline]:
    """Fit the preprocessor on `train` only and apply it to both frames.

    Returns the transformed training frame, the transformed test frame and the
    fitted preprocessor.
    """
    features = gaps_as_nan(train.drop(columns=[target_column]))
    preprocessor = build_preprocessor(features, normalize, drop_columns)
    preprocessor.fit(features)
    return (
        transform(preprocessor, train, target_column),
        transform(preprocessor, test, target_column),
        preprocessor,
    )
