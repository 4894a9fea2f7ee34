"""The metrics that select, gate and promote models, with their direction in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Metric:
    """A model-quality metric and the scikit-learn scorer that computes it."""

    name: str
    scorer: str
    task_type: str
    greater_is_better: bool
    needs_probabilities: bool = False
    averaging: str | None = None

    @property
    def label(self) -> str:
        """Return the name with how the metric averages over classes, when it does."""
        return f"{self.name} ({self.averaging})" if self.averaging else self.name

    def check_estimator(self, estimator: Any) -> None:
        """Fail with a clear message when `estimator` cannot be scored by this metric."""
        if self.needs_probabilities and not hasattr(estimator, "predict_proba"):
            raise ValueError(
                f"{type(estimator).__name__} gives no class probabilities, which the "
                f"metric '{self.name}' needs: choose another metric or model family."
            )

    def scorer_for(self, model: Any) -> Any:
        """Return the scikit-learn scorer of this metric for `model`.

        log_loss is told the model's classes, so that rows lacking a class it knows
        (a small test set) are still scored.
        """
        from sklearn.metrics import get_scorer, log_loss, make_scorer

        if self.name == "log_loss" and hasattr(model, "classes_"):
            return make_scorer(
                log_loss,
                greater_is_better=False,
                response_method="predict_proba",
                labels=list(model.classes_),
            )
        return get_scorer(self.scorer)

    def score(self, model: Any, features: pd.DataFrame, target: pd.Series) -> float:
        """Return the metric of `model` on the given rows, in the metric's own units."""
        self.check_estimator(model)
        value = float(self.scorer_for(model)(model, features, target))
        return value if self.greater_is_better else -value

    def compute(
        self,
        truth: np.ndarray,
        predictions: np.ndarray,
        probabilities: np.ndarray | None = None,
        classes: list[str] | None = None,
    ) -> float | None:
        """Return the metric of predictions against the truth, without the model.

        Classes are compared as text. None when the metric needs probabilities that are
        not given, or when the truth holds a single class where it needs two.
        """
        from sklearn import metrics

        if self.task_type == "regression":
            function = {
                "r2": metrics.r2_score,
                "rmse": metrics.root_mean_squared_error,
                "mae": metrics.mean_absolute_error,
            }[self.name]
            if self.name == "r2" and len(truth) < 2:
                return None
            return float(function(truth.astype(float), predictions.astype(float)))
        truth, predictions = truth.astype(str), predictions.astype(str)
        if self.needs_probabilities:
            if probabilities is None or classes is None or len(np.unique(truth)) < 2:
                return None
            if self.name == "log_loss":
                return float(metrics.log_loss(truth, probabilities, labels=classes))
            present = np.isin(classes, truth)
            if len(classes) == 2:
                return float(metrics.roc_auc_score(truth == classes[1], probabilities[:, 1]))
            if not present.all():
                return None
            return float(
                metrics.roc_auc_score(truth, probabilities, multi_class="ovr", labels=classes)
            )
        if self.name in ("accuracy", "balanced_accuracy"):
            function = getattr(metrics, f"{self.name}_score")
            return float(function(truth, predictions))
        function = getattr(metrics, f"{self.name}_score")
        return float(function(truth, predictions, average="macro", zero_division=0))

    def from_scorer_value(self, value: float) -> float:
        """Convert a value reported by the scorer (negated when lower is better)."""
        return float(value) if self.greater_is_better else -float(value)

    def improvement(self, candidate: float, reference: float) -> float:
        """Return by how much `candidate` beats `reference` (negative when worse)."""
        delta = candidate - reference
        return delta if self.greater_is_better else -delta

    def meets(self, value: float, threshold: float) -> bool:
        """Tell whether `value` is at least as good as `threshold`."""
        return self.improvement(value, threshold) >= 0


# Classification metrics average over classes the same way for two classes or more.
MACRO = "macro average over classes"
METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("accuracy", "accuracy", "classification", True),
        Metric(
            "balanced_accuracy",
            "balanced_accuracy",
            "classification",
            True,
            averaging="mean recall per class",
        ),
        Metric("f1", "f1_macro", "classification", True, averaging=MACRO),
        Metric("precision", "precision_macro", "classification", True, averaging=MACRO),
        Metric("recall", "recall_macro", "classification", True, averaging=MACRO),
        Metric(
            "roc_auc",
            "roc_auc_ovr",
            "classification",
            True,
            needs_probabilities=True,
            averaging="one-vs-rest, macro average over classes",
        ),
        Metric("log_loss", "neg_log_loss", "classification", False, needs_probabilities=True),
        Metric("r2", "r2", "regression", True),
        Metric("rmse", "neg_root_mean_squared_error", "regression", False),
        Metric("mae", "neg_mean_absolute_error", "regression", False),
    )
}


def get_metric(name: str, task_type: str | None = None) -> Metric:
    """Return the metric called `name`, checking that it scores `task_type` when given."""
    try:
        metric = METRICS[name]
    except KeyError:
        known = ", ".join(METRICS)
        raise ValueError(f"Unknown metric '{name}'. Known metrics are: {known}.") from None
    if task_type is not None and metric.task_type != task_type:
        fitting = ", ".join(m.name for m in METRICS.values() if m.task_type == task_type)
        raise ValueError(
            f"The metric '{name}' scores {metric.task_type}, but the task is {task_type}: "
            f"choose one of {fitting}."
        )
    return metric


def standard_metrics(task_type: str, promotion_metric: str) -> list[Metric]:
    """Return the metrics reported for a task: the promotion metric first, then the usual."""
    usual = (
        ("accuracy", "f1", "roc_auc") if task_type == "classification" else ("r2", "rmse", "mae")
    )
    names = [promotion_metric, *(name for name in usual if name != promotion_metric)]
    return [METRICS[name] for name in names]
