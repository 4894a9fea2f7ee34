"""The one prediction path: batch inference and the online service both call `predict`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ml.contract import ContractViolation, enforce_contract
from ml.preprocessing import inference_warnings
from ml.roles import LEFT_OUT


@dataclass(frozen=True)
class ServedModel:
    """What predicting needs of a model version: its data contract and fitted pipelines."""

    version: int
    contract: dict[str, Any]
    preprocess_pipeline: Pipeline
    model: Any


@dataclass(frozen=True)
class Prediction:
    """Predictions in row order, in the user's labels, with what was noticed on the way.

    `probabilities` has one column per class, for classifiers that give probabilities
    when they were asked for; otherwise it is None.
    """

    labels: np.ndarray
    probabilities: pd.DataFrame | None
    warnings: list[str]

    def as_outputs(self, model_version: int) -> dict[str, Any]:
        """Return the outputs of the online service, as JSON-ready values."""
        probabilities = None
        if self.probabilities is not None:
            probabilities = self.probabilities.to_dict(orient="records")
        return {
            "predictions": self.labels.tolist(),
            "probabilities": probabilities,
            "model_version": model_version,
            "warnings": self.warnings,
        }


def predict(rows: pd.DataFrame, served: ServedModel, with_probabilities: bool = True) -> Prediction:
    """Check raw rows against the contract, preprocess them and predict them.

    Raises a ContractViolation, naming the column or type, when the rows cannot be
    predicted; a target column in the rows is ignored.
    """
    checked, warnings = prepared_rows(rows, served)
    warnings += inference_warnings(served.preprocess_pipeline, checked)
    featureless = rows_without_features(checked, served.contract)
    if featureless:
        warnings.append(
            f"{featureless} of {len(checked)} rows hold no feature value: their predictions "
            "rest on imputed values alone."
        )
    features = served.preprocess_pipeline.transform(checked)
    labels = served.model.predict(features)
    probabilities = None
    if (
        with_probabilities
        and served.contract["task_type"] == "classification"
        and hasattr(served.model, "predict_proba")
    ):
        probabilities = pd.DataFrame(
            served.model.predict_proba(features),
            columns=[str(label) for label in served.model.classes_],
            index=rows.index,
        )
    return Prediction(labels=labels, probabilities=probabilities, warnings=warnings)


def prepared_rows(rows: pd.DataFrame, served: ServedModel) -> tuple[pd.DataFrame, list[str]]:
    """Return raw rows checked against the contract and typed as preprocessing reads them.

    Also returns the contract's warnings; raises a ContractViolation as `predict` does.
    """
    checked, warnings = enforce_contract(rows, served.contract)
    checked = numeric_gaps_as_floats(checked, served.contract)
    if not all("role" in spec for spec in served.contract["columns"].values()):
        # A version trained before column roles imputes only NaN gaps in text columns.
        text = checked.select_dtypes(include="object").columns
        checked = checked.assign(**{name: checked[name].fillna(np.nan) for name in text})
    return checked, warnings


def rows_without_features(frame: pd.DataFrame, contract: dict[str, Any]) -> int:
    """Return how many rows hold a gap in every column the model reads."""
    used = [name for name, spec in contract["columns"].items() if spec.get("role") not in LEFT_OUT]
    if not used:
        return 0
    # Column by column: selecting the columns would copy a large batch whole.
    empty = np.ones(len(frame), dtype=bool)
    for name in used:
        empty &= frame[name].isna().to_numpy()
    return int(empty.sum())


def numeric_gaps_as_floats(frame: pd.DataFrame, contract: dict[str, Any]) -> pd.DataFrame:
    """Return `frame` with numeric columns that hold only gaps typed as floats.

    Rows that arrive as JSON carry a column of nulls as objects, which imputation of a
    numeric column cannot read.
    """
    empty = [
        name
        for name, spec in contract["columns"].items()
        if spec["kind"] == "numeric" and frame[name].dtype == object
    ]
    if not empty:
        return frame
    return frame.assign(**{name: frame[name].astype(float) for name in empty})


def records_to_frame(rows: Sequence[Any]) -> pd.DataFrame:
    """Return JSON records, one mapping of column to value per row, as a data frame.

    Nulls stay as pandas reads them (NaN in numeric columns, None in text columns,
    which `predict` treats alike). Raises a ContractViolation when a row is not a
    mapping, or a value is a list or a mapping rather than one value.
    """
    for position, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ContractViolation(
                f"Row {position} is a {type(row).__name__}, not an object of column values."
            )
        for column, value in row.items():
            if isinstance(value, (list, dict)):
                kind = "a list" if isinstance(value, list) else "an object"
                raise ContractViolation(
                    f"Column '{column}' holds {kind} in row {position}: send one value per "
                    "column (a string, a number, true, false or null)."
                )
    return pd.DataFrame.from_records(list(rows))
