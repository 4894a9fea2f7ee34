"""The MLflow signature of raw rows: types from a sample, gaps from every row."""

import numpy as np
import pandas as pd
from mlflow.types.schema import AnyType, DataType

from ml.signature import SIGNATURE_ROWS, raw_rows_signature


def test_types_come_from_a_sample_and_gaps_from_every_row() -> None:
    rows = SIGNATURE_ROWS * 3
    frame = pd.DataFrame(
        {
            "count": np.arange(rows),
            "amount": np.linspace(0, 1, rows),
            "late_gap": np.r_[np.ones(rows - 1), np.nan],
            "late_text": [None] * (rows - 1) + ["x"],
            "city": ["a", "b"] * (rows // 2),
        }
    )
    seen = []
    signature = raw_rows_signature(
        frame, lambda sample: seen.append(len(sample)) or [0] * len(sample)
    )
    columns = {column.name: column for column in signature.inputs.inputs}
    assert all(isinstance(columns[name].type, AnyType) for name in ("count", "amount", "late_gap"))
    assert columns["late_text"].type == DataType.string
    assert columns["city"].type == DataType.string
    assert {name: column.required for name, column in columns.items()} == {
        "count": True,
        "amount": True,
        "late_gap": False,
        "late_text": False,
        "city": True,
    }
    assert seen == [SIGNATURE_ROWS + 1]  # the sample and the one filled late_text row
