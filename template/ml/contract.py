"""The data contract: what training saw, and the check that new rows still match it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from ml.roles import LEFT_OUT

MAX_RECORDED_CATEGORIES = 50


def column_kind(column: pd.Series) -> str:
    """Return 'numeric' or 'categorical', the two kinds preprocessing treats apart."""
    return "numeric" if is_numeric_dtype(column) and not is_bool_dtype(column) else "categorical"


def fingerprint(*parts: pd.DataFrame | pd.Series) -> str:
    """Return a digest of the rows' content (features, then target), equal for equal data."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def build_contract(
    features: pd.DataFrame,
    target: pd.Series,
    task_type: str,
    roles: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Describe the training rows: columns, types, roles, categories, classes, size, content.

    `roles` (ml/roles.py) says how preprocessing treats each column. The first
    categories of categorical columns are recorded for people to read; the values of
    identifiers, free text and dates are not.
    """
    columns = {}
    for name, column in features.items():
        entry: dict[str, Any] = {"kind": column_kind(column), "dtype": str(column.dtype)}
        if roles is not None:
            entry["role"] = roles[str(name)]
        if entry["kind"] == "categorical" and entry.get("role") in (
            None,
            "categorical",
            "high_cardinality",
        ):
            values = sorted(map(str, column.dropna().unique()))
            entry["categories"] = values[:MAX_RECORDED_CATEGORIES]
        columns[str(name)] = entry
    contract: dict[str, Any] = {
        "columns": columns,
        "target_column": str(target.name),
        "task_type": task_type,
        "rows": len(features),
        "fingerprint": fingerprint(features, target),
    }
    if task_type == "classification":
        contract["target_classes"] = sorted(map(str, target.dropna().unique()))
    return contract


class ContractViolation(ValueError):
    """New rows that the model cannot predict: empty, a missing column or a changed type."""


def repeated_names(names: Iterable[Any]) -> list[str]:
    """Return the column names that occur more than once, in order of first repeat."""
    seen: set[str] = set()
    repeated: list[str] = []
    for name in map(str, names):
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    return repeated


def enforce_contract(
    frame: pd.DataFrame, contract: dict[str, Any]
) -> tuple[pd.DataFrame, list[str]]:
    """Return the new rows with the trained columns in training order, and warnings.

    Rows that already are in that order come back as the same frame, not a copy: the
    caller does not modify what it gets.

    Raises a ContractViolation naming the problem when the rows are empty, name a
    column twice, lack a trained column, or hold a column whose kind changed. Extra
    columns are dropped, and a warning names them; the target column is dropped
    without one.
    """
    if frame.empty:
        raise ContractViolation("The new data holds no rows: there is nothing to predict.")
    repeated = repeated_names(frame.columns)
    if repeated:
        raise ContractViolation(
            f"The new data names a column more than once ({', '.join(repeated)}): "
            "keep one column of each name."
        )
    expected = contract["columns"]
    # Columns the model leaves out (identifiers, free text) may be absent.
    unused = [name for name, spec in expected.items() if spec.get("role") in LEFT_OUT]
    missing = [name for name in expected if name not in frame.columns and name not in unused]
    if missing:
        raise ContractViolation(
            "The new data lacks columns the model was trained on: " + ", ".join(missing) + "."
        )
    changed = [
        f"'{name}' was {spec['kind']} ({spec['dtype']}) in training but is "
        f"{column_kind(frame[name])} ({frame[name].dtype}) now"
        for name, spec in expected.items()
        if name not in unused
        and frame[name].notna().any()
        and column_kind(frame[name]) != spec["kind"]
    ]
    if changed:
        raise ContractViolation("The new data's schema changed: " + "; ".join(changed) + ".")
    extra = [
        str(name)
        for name in frame.columns
        if name not in expected and name != contract["target_column"]
    ]
    warnings = []
    if extra:
        warnings.append("Dropped columns the model was not trained on: " + ", ".join(extra) + ".")
    absent = {name: np.nan for name in unused if name not in frame.columns}
    if absent:
        frame = frame.assign(**absent)
    # Rows already in training's columns and order are passed on as they are: a copy of
    # a million-row batch is its size again in memory.
    if list(frame.columns) != list(expected):
        frame = frame[list(expected)]
    return frame, warnings
