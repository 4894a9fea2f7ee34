"""Column roles: what each feature column is, which decides how it is preprocessed.

Roles are inferred from the training rows, can be set per column in
configs/training.yaml (`column_roles`), and are recorded in the data contract, so that
inference applies exactly what training did.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Mapping

import pandas as pd
from pandas.api.types import (
    is_bool_dtype,
    is_datetime64_any_dtype,
    is_integer_dtype,
    is_numeric_dtype,
)

logger = logging.getLogger(__name__)

ROLES = {
    "numeric": "a number: gaps filled with the median, optionally standardised",
    "categorical": "a few levels: one-hot encoded",
    "high_cardinality": "many levels: target-encoded, fitted inside each CV fold",
    "datetime": "a date or time, typed or as text: year, month, day of week and hour",
    "identifier": "nearly one value per row: left out",
    "text": "free text: left out",
    "empty": "no value at all in training: left out",
}
LEFT_OUT = ("identifier", "text", "empty")
# More levels than this make a categorical column high-cardinality.
MAX_CATEGORICAL_LEVELS = 20
# Identifiers hold at least this share of distinct values, over at least MIN_ROWS rows.
IDENTIFIER_DISTINCT_SHARE = 0.95
MIN_ROWS = 50
# Free text has at least this many words per value, on average.
TEXT_MIN_WORDS = 3
# A text column is a datetime when at least this share of its values parse as one.
DATETIME_PARSED_SHARE = 0.95
SAMPLE_SIZE = 1_000
NUMBER = re.compile(r"^\s*[-+]?\d+([.,]\d+)?\s*$")


def infer_role(column: pd.Series) -> str:
    """Return the role of one feature column, judged from its values."""
    if is_datetime64_any_dtype(column):
        return "datetime"
    if is_bool_dtype(column):
        return "categorical"
    values = column.dropna()
    if values.empty:
        return "empty"
    distinct = values.nunique()
    nearly_unique = len(values) >= MIN_ROWS and distinct >= IDENTIFIER_DISTINCT_SHARE * len(values)
    if is_numeric_dtype(column):
        # Floats with nearly unique values are measurements; so are integers spread far
        # wider than a row counter (incomes, amounts in cents).
        counter = nearly_unique and values.max() - values.min() < 2 * len(values)
        return "identifier" if is_integer_dtype(column) and counter else "numeric"
    text = values.astype(str)
    sample = text.sample(min(len(text), SAMPLE_SIZE), random_state=0)
    if parses_as_datetime(sample):
        return "datetime"
    wordy = sample.str.split().str.len().mean() >= TEXT_MIN_WORDS
    if wordy and distinct > MAX_CATEGORICAL_LEVELS and distinct >= 0.5 * len(values):
        return "text"  # long labels of a few levels ("High school graduate") are categories
    if nearly_unique:
        return "identifier"
    return "high_cardinality" if distinct > MAX_CATEGORICAL_LEVELS else "categorical"


def parses_as_datetime(text: pd.Series) -> bool:
    """Return whether nearly all of these text values read as dates, not as numbers."""
    if text.str.match(NUMBER).mean() > 0.5:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns when it guesses a format
        parsed = pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
    return parsed.notna().mean() >= DATETIME_PARSED_SHARE


def infer_roles(features: pd.DataFrame, overrides: Mapping[str, str]) -> dict[str, str]:
    """Return every feature column's role, the inferred one unless `overrides` sets it.

    Raises a ValueError naming the column and the fix when an override names a column
    that does not exist, a role that does not exist, or a role the column cannot take.
    Columns left out (identifiers, free text) are logged.
    """
    check_overrides(features, overrides)
    roles = {
        str(name): overrides.get(str(name)) or infer_role(column)
        for name, column in features.items()
    }
    left_out = [f"{name} ({role})" for name, role in roles.items() if role in LEFT_OUT]
    if left_out:
        logger.warning(
            "Leaving out columns that cannot be features as they are: %s. Set their role "
            "under preprocessing.column_roles in configs/training.yaml to use them.",
            ", ".join(left_out),
        )
    return roles


def check_overrides(features: pd.DataFrame, overrides: Mapping[str, str]) -> None:
    """Raise a ValueError naming the first override that cannot apply, and the fix."""
    for name, role in overrides.items():
        if name not in features.columns:
            raise ValueError(
                f"column_roles names '{name}', which is not a feature column: use one of "
                f"{', '.join(map(str, features.columns))} in configs/training.yaml."
            )
        if role not in ROLES:
            raise ValueError(
                f"column_roles gives '{name}' the role '{role}': use one of "
                f"{', '.join(ROLES)} in configs/training.yaml."
            )
        column = features[name]
        if role == "numeric" and not (is_numeric_dtype(column) or is_bool_dtype(column)):
            raise ValueError(
                f"column_roles makes '{name}' numeric, but it holds text ({column.dtype}): "
                "give it another role in configs/training.yaml, or convert it in your data."
            )
        if role == "datetime" and is_numeric_dtype(column):
            raise ValueError(
                f"column_roles makes '{name}' a datetime, but it holds numbers: give it "
                "another role in configs/training.yaml, or store the dates as text or dates."
            )
