"""The preprocessing pipeline: fitted in training, applied unchanged at inference.

Each column is treated by its role (ml/roles.py). The output is a dense frame whose
width is bounded by `max_features`, whatever the data.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_datetime64_any_dtype, is_float_dtype
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, TargetEncoder

from ml.roles import DATETIME_PARSED_SHARE, LEFT_OUT, MAX_CATEGORICAL_LEVELS

logger = logging.getLogger(__name__)

DATETIME_PARTS = ("year", "month", "day_of_week", "hour")
MIN_CATEGORICAL_WIDTH = 2  # the most frequent level and everything else
TARGET_ENCODER_FOLDS = 5


class AsText(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Read categories as text, with every gap as NaN.

    CSV, Parquet and JSON give the same category as different types (1, 1.0, "1") and
    a gap as None or NaN; encoders need one type and NaN.
    """

    def fit(self, X: pd.DataFrame, y: Any = None) -> AsText:
        """Remember the columns; there is nothing to learn."""
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Return the columns as text, gaps as NaN."""
        return pd.DataFrame({name: as_text(X[name]) for name in X.columns}, index=X.index)


def as_text(column: pd.Series) -> pd.Series:
    """Return one column's values as text; a whole float loses its '.0', gaps are NaN."""
    gaps = column.isna()
    values = column[~gaps]
    if is_float_dtype(values):
        values = values.map(lambda value: str(int(value)) if value.is_integer() else str(value))
    text = pd.Series(np.nan, index=column.index, dtype=object)
    text[~gaps] = values.astype(str)
    return text


class DatetimeParts(TransformerMixin, BaseEstimator):
    """Turn dates and times, typed or as text, into year, month, day of week and hour.

    The text format is learnt in fit, so that a one-row request reads like a file; a
    value that does not read as a date gives NaN parts, which the next step fills.
    """

    def fit(self, X: pd.DataFrame, y: Any = None) -> DatetimeParts:
        """Learn each column's text format, when one format reads all its values."""
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.formats_ = {name: text_format(X[name]) for name in X.columns}
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Return four numeric columns per date column, named `<column>__<part>`."""
        parts = {}
        for name in self.feature_names_in_:
            moments = parse_datetimes(X[name], self.formats_[name])
            parts[f"{name}__year"] = moments.dt.year
            parts[f"{name}__month"] = moments.dt.month
            parts[f"{name}__day_of_week"] = moments.dt.dayofweek
            parts[f"{name}__hour"] = moments.dt.hour
        return pd.DataFrame(parts, index=X.index, dtype="float64")

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return the names of the parts, column by column."""
        return np.asarray(
            [f"{name}__{part}" for name in self.feature_names_in_ for part in DATETIME_PARTS],
            dtype=object,
        )


def text_format(column: pd.Series) -> str | None:
    """Return the strftime format that reads most values of a text column, if one does.

    Formats are guessed from a few values, day first and month first, and the one that
    reads the most of a sample wins (01/02 is ambiguous, 13/02 is not).
    """
    if is_datetime64_any_dtype(column):
        return None
    values = column.dropna().astype(str)
    if values.empty:
        return None
    sample = values.sample(min(len(values), 1000), random_state=0)
    best, best_share = None, 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns about the day-first guesses
        guesses = {
            pd.tseries.api.guess_datetime_format(value, dayfirst=dayfirst)
            for value in sample.iloc[:20]
            for dayfirst in (False, True)
        } - {None}
        for guess in sorted(guesses):
            parsed = pd.to_datetime(sample, format=guess, errors="coerce", utc=True)
            if parsed.notna().mean() > best_share:
                best, best_share = guess, parsed.notna().mean()
    return best if best_share >= DATETIME_PARSED_SHARE else None


def parse_datetimes(column: pd.Series, text_format: str | None) -> pd.Series:
    """Return the column as datetimes; what does not read as one is NaT.

    Typed datetimes keep their wall time. Text is read in the format learnt in training,
    then, for what that misses, as ISO 8601, which JSON clients send.
    """
    if is_datetime64_any_dtype(column):
        moments = pd.to_datetime(column)
        return moments.dt.tz_localize(None) if moments.dt.tz is not None else moments
    text = column.where(column.isna(), column.astype(str))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns when it guesses a format
        parsed = pd.to_datetime(text, format=text_format or "mixed", errors="coerce", utc=True)
        missed = parsed.isna() & text.notna()
        if missed.any():
            parsed[missed] = pd.to_datetime(
                text[missed], format="ISO8601", errors="coerce", utc=True
            )
    return parsed


def categorical_width(levels: Sequence[int], budget: int) -> int:
    """Return the most one-hot columns per categorical column that fit in `budget`."""
    for width in range(MAX_CATEGORICAL_LEVELS, MIN_CATEGORICAL_WIDTH - 1, -1):
        if sum(min(count, width) for count in levels) <= budget:
            return width
    return MIN_CATEGORICAL_WIDTH


def build_preprocessor(
    features: pd.DataFrame,
    roles: Mapping[str, str],
    normalize: bool,
    max_features: int,
    target_classes: int = 0,
    random_state: int = 42,
    drop_columns: Sequence[str] = (),
) -> Pipeline:
    """Return an unfitted pipeline that treats each column by its role.

    - numeric: median imputation, standardised when `normalize` is set;
    - categorical: most frequent imputation, one-hot encoding; levels beyond the width
      left to it go into one "infrequent" column, as do categories first seen later;
    - high_cardinality: target encoding (one column, or one per class when there are
      more than two), cross-fitted on the rows it is fitted on;
    - datetime: year, month, day of week and hour, then as numeric;
    - identifier, text, and `drop_columns`: left out.

    The output has at most `max_features` columns: numeric columns count first, and
    categorical columns share what the other roles leave.
    """
    unknown = sorted(set(drop_columns) - set(features.columns))
    if unknown:
        raise ValueError(f"Cannot drop columns that do not exist: {', '.join(unknown)}.")
    by_role: dict[str, list[str]] = {}
    for name, role in roles.items():
        if name not in drop_columns and role not in LEFT_OUT:
            by_role.setdefault(role, []).append(name)
    numeric = by_role.get("numeric", [])
    categorical = by_role.get("categorical", [])
    high = by_role.get("high_cardinality", [])
    dates = by_role.get("datetime", [])
    encoded_per_column = target_classes if target_classes > 2 else 1
    fixed = len(numeric) + len(DATETIME_PARTS) * len(dates) + encoded_per_column * len(high)
    levels = [max(features[name].nunique(), 1) for name in categorical]
    width = categorical_width(levels, max_features - fixed)
    total = fixed + sum(min(count, width) for count in levels)
    if total > max_features:
        logger.warning(
            "The features take %d columns, over max_features (%d), even with categorical "
            "columns at their smallest width: going on. Raise preprocessing.max_features in "
            "configs/training.yaml, or drop columns (preprocessing.drop_columns).",
            total,
            max_features,
        )
    numeric_steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
    if normalize:
        numeric_steps.append(("scale", StandardScaler()))
    folds = (StratifiedKFold if target_classes else KFold)(
        TARGET_ENCODER_FOLDS, shuffle=True, random_state=random_state
    )
    branches = [
        ("numeric", Pipeline(numeric_steps), numeric),
        (
            "categorical",
            Pipeline(
                [
                    ("text", AsText()),
                    ("impute", SimpleImputer(strategy="most_frequent")),
                    (
                        "encode",
                        OneHotEncoder(
                            handle_unknown="infrequent_if_exist",
                            max_categories=width,
                            sparse_output=False,
                        ),
                    ),
                ]
            ),
            categorical,
        ),
        (
            "high_cardinality",
            Pipeline(
                [
                    ("text", AsText()),
                    # A whole-number quantity would pass for classes with "auto".
                    (
                        "encode",
                        TargetEncoder(
                            cv=folds, target_type="auto" if target_classes else "continuous"
                        ),
                    ),
                ]
            ),
            high,
        ),
        ("datetime", Pipeline([("parts", DatetimeParts()), *numeric_steps]), dates),
    ]
    columns = ColumnTransformer(
        [branch for branch in branches if branch[2]],
        remainder="drop",
        verbose_feature_names_out=False,
    )
    return Pipeline([("columns", columns)]).set_output(transform="pandas")


def transform(preprocessor: Pipeline, rows: pd.DataFrame) -> pd.DataFrame:
    """Apply a fitted preprocessor to raw feature rows, keeping their index."""
    transformed = preprocessor.transform(rows)
    transformed.index = rows.index
    return transformed


def fit_and_transform(
    rows_trn: pd.DataFrame,
    target_trn: pd.Series,
    rows_tst: pd.DataFrame,
    preprocessor: Pipeline,
) -> tuple[pd.DataFrame, pd.DataFrame, Pipeline]:
    """Fit the preprocessor on the training rows only and apply it to both sets.

    The training rows are transformed as they are fitted (a target encoder cross-fits
    them, so that no row sees its own target), as a scikit-learn pipeline does when the
    model is fitted after it. Returns both sets' features and the fitted preprocessor.
    """
    features_trn = preprocessor.fit_transform(rows_trn, target_trn)
    features_trn.index = rows_trn.index
    return features_trn, transform(preprocessor, rows_tst), preprocessor


def inference_warnings(preprocessor: Pipeline, features: pd.DataFrame) -> list[str]:
    """Name the columns of new rows that hold what training never saw.

    Categories first seen now are encoded as unknown, and values that do not read as
    dates get their date parts filled; both are predicted, never dropped, and counted
    here without quoting any value.
    """
    found = []
    columns = preprocessor.named_steps["columns"]
    for role, branch, names in columns.transformers_:
        if role in ("categorical", "high_cardinality"):
            encoder = branch.named_steps["encode"]
            # The encoder's own inputs: imputation drops a column that had no value.
            for name, categories in zip(
                encoder.feature_names_in_, encoder.categories_, strict=True
            ):
                text = as_text(features[name])
                unseen = int((text.notna() & ~text.isin(categories)).sum())
                if unseen:
                    found.append(
                        f"Column '{name}': {unseen} of {len(features)} rows hold categories "
                        "training never saw; they are predicted as an unknown category."
                    )
        elif role == "datetime":
            formats = branch.named_steps["parts"].formats_
            for name in names:
                parsed = parse_datetimes(features[name], formats[name])
                unread = int((features[name].notna() & parsed.isna()).sum())
                if unread:
                    found.append(
                        f"Column '{name}': {unread} of {len(features)} rows hold values that "
                        "do not read as dates; their date parts are filled as missing."
                    )
    return found
