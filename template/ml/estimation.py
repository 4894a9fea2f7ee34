"""Performance of a model version estimated on new rows before their labels arrive.

NannyML's CBPE estimates a classifier's metric from its calibrated class probabilities
(it calibrates them on the test rows when the model's own are not), and its DLE
estimates a regressor's error from a model of the error fitted on the test rows. Both
are fitted at training time, on the version's test rows, and kept with the version.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# Each promotion metric, and the NannyML metric that estimates it. Each class is
# estimated against the rest, and the project's macro averages are their mean
# (balanced accuracy is the macro-averaged recall).
CLASSIFICATION_ESTIMATES = {
    "accuracy": "accuracy",
    "balanced_accuracy": "recall",
    "f1": "f1",
    "precision": "precision",
    "recall": "recall",
    "roc_auc": "roc_auc",
}
# r2 is estimated from the mean squared error, over the test rows' target variance.
REGRESSION_ESTIMATES = {"rmse": "rmse", "mae": "mae", "r2": "mse"}
PREDICTION = "y_pred"
TRUTH = "y_true"


@dataclass(frozen=True)
class Estimate:
    """An estimated metric on a batch, with NannyML's confidence band around it."""

    metric: str
    value: float
    lower: float | None
    upper: float | None


class PerformanceEstimator:
    """A version's estimator of its own promotion metric on rows without labels."""

    def __init__(self, task_type: str, metric: str, classes: list[Any] | None) -> None:
        self.task_type = task_type
        self.metric = metric
        self.classes = classes
        self.target_variance: float | None = None
        self._estimators: list[Any] = []

    @property
    def estimable(self) -> bool:
        """Tell whether NannyML can estimate the promotion metric at all (log_loss: no)."""
        table = (
            CLASSIFICATION_ESTIMATES if self.task_type == "classification" else REGRESSION_ESTIMATES
        )
        return self.metric in table

    def fit(
        self,
        features: pd.DataFrame,
        predictions: np.ndarray,
        probabilities: np.ndarray | None,
        target: pd.Series,
    ) -> PerformanceEstimator:
        """Fit the estimator on the test rows: what the model said and what was true."""
        if not self.estimable:
            return self
        import nannyml

        with _quiet():
            if self.task_type == "regression":
                self.target_variance = float(np.var(np.asarray(target, dtype=float)))
                estimator = nannyml.DLE(
                    feature_column_names=list(features.columns),
                    y_pred=PREDICTION,
                    y_true=TRUTH,
                    metrics=[REGRESSION_ESTIMATES[self.metric]],
                    chunk_number=1,
                    hyperparameters={"verbosity": -1},
                )
                reference = self._regression_frame(features, predictions)
                reference[TRUTH] = np.asarray(target, dtype=float)
                self._estimators = [estimator.fit(reference)]
                return self
            for positive in self._positive_classes():
                estimator = nannyml.CBPE(
                    y_pred_proba="proba",
                    y_pred=PREDICTION,
                    y_true=TRUTH,
                    problem_type="classification_binary",
                    metrics=[CLASSIFICATION_ESTIMATES[self.metric]],
                    chunk_number=1,
                )
                reference = self._binary_frame(predictions, probabilities, positive)
                reference[TRUTH] = (np.asarray(target).astype(str) == str(positive)).astype(int)
                self._estimators.append(estimator.fit(reference))
        return self

    def estimate(
        self,
        features: pd.DataFrame,
        predictions: np.ndarray,
        probabilities: np.ndarray | None,
    ) -> Estimate | None:
        """Return the estimated promotion metric on these rows; None when not estimable.

        A macro average is the mean of each class's estimate against the others, and so
        are its bounds.
        """
        if not self._estimators or len(predictions) == 0:
            return None
        measured = (
            CLASSIFICATION_ESTIMATES if self.task_type == "classification" else REGRESSION_ESTIMATES
        )[self.metric]
        values, errors = [], []
        with _quiet():
            for estimator, positive in zip(
                self._estimators, self._positive_classes(), strict=False
            ):
                analysis = (
                    self._regression_frame(features, predictions)
                    if self.task_type == "regression"
                    else self._binary_frame(predictions, probabilities, positive)
                )
                row = estimator.estimate(analysis).filter(period="analysis").to_df().iloc[-1]
                values.append(float(row[(measured, "value")]))
                errors.append(float(row[(measured, "sampling_error")]))
        value, error = float(np.mean(values)), float(np.mean(errors))
        if self.metric == "r2":
            # Both bounds follow from those of the mean squared error, in reverse.
            variance = self.target_variance or 1.0
            return Estimate(
                self.metric,
                1 - value / variance,
                1 - (value + 1.96 * error) / variance,
                1 - max(value - 1.96 * error, 0.0) / variance,
            )
        lower, upper = value - 1.96 * error, value + 1.96 * error
        if self.task_type == "classification":
            lower, upper = max(lower, 0.0), min(upper, 1.0)
        return Estimate(self.metric, value, lower, upper)

    def _positive_classes(self) -> list[Any]:
        """Return the classes estimated one against the rest.

        Each class, for metrics that average over classes; the second of two otherwise.
        """
        classes = list(self.classes or [])
        if self.task_type == "regression":
            return [None]
        if len(classes) == 2 and self.metric in ("accuracy", "roc_auc"):
            return classes[1:]
        return classes

    def _binary_frame(
        self, predictions: np.ndarray, probabilities: np.ndarray | None, positive: Any
    ) -> pd.DataFrame:
        """Return one class against the rest: its predictions and its probability."""
        column = [str(label) for label in self.classes or []].index(str(positive))
        return pd.DataFrame(
            {
                PREDICTION: (np.asarray(predictions).astype(str) == str(positive)).astype(int),
                "proba": np.asarray(probabilities)[:, column],
            }
        )

    @staticmethod
    def _regression_frame(features: pd.DataFrame, predictions: np.ndarray) -> pd.DataFrame:
        frame = features.reset_index(drop=True).copy()
        frame[PREDICTION] = np.asarray(predictions, dtype=float)
        return frame


@contextmanager
def _quiet() -> Iterator[None]:
    """Run NannyML offline and quiet.

    NannyML reports each fit and estimate to a server of its own unless told not to,
    and warns that a single chunk is few: one batch is one chunk here.
    """
    os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
