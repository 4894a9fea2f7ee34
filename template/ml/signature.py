"""The MLflow signature of the raw rows a registered model answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

# MLflow infers column types from these rows (and the first filled row of each column);
# inferring from all rows checks every value in Python: 48 s for 800,000 rows.
SIGNATURE_ROWS = 1000


def raw_rows_signature(raw_features: pd.DataFrame, predict: Callable[[pd.DataFrame], Any]) -> Any:
    """Return the MLflow signature of raw rows, with numeric columns of any number type.

    Types come from a sample of rows; a column is optional when any row lacks it.
    `predict` gives the outputs of the sample's rows. MLflow refuses a null in a column
    its signature calls an integer, and an integer in one it calls a decimal ("cannot
    safely convert int64 to float64"), while clients send both for the same column;
    the pipeline's imputation reads either.
    """
    from mlflow.models import infer_signature
    from mlflow.types.schema import AnyType, ColSpec, DataType, Schema

    filled = raw_features.notna().to_numpy()
    rows = np.union1d(np.arange(min(SIGNATURE_ROWS, len(raw_features))), filled.argmax(axis=0))
    sample = raw_features.iloc[rows]
    signature = infer_signature(sample, predict(sample))
    complete = dict(zip(raw_features.columns, filled.all(axis=0), strict=True))
    numbers = {DataType.integer, DataType.long, DataType.float, DataType.double}
    signature.inputs = Schema(
        [
            ColSpec(
                AnyType() if column.type in numbers else column.type,
                column.name,
                bool(complete[column.name]),
            )
            for column in signature.inputs.inputs
        ]
    )
    return signature
