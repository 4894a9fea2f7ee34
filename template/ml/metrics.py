"""The metrics that select, gate and promote models, with their direction in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Metric:
    """A model-quality metric and the scikit-learn scorer that computes it."""

    name: str
    scorer: str
    greater_is_better: bool

    def score(self, model: Any, features: pd.DataFrame, target: pd.Series) -> float:
        """Return the metric of `model` on the given rows, in the metric's own units."""
        from sklearn.metrics import get_scorer

        value = float(get_scorer(self.scorer)(model, features, target))
        return value if self.greater_is_better else -value

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


# Multiclass-capable averages: macro for F1, precision and recall, one-vs-rest for
# ROC AUC; they equal the plain binary definitions' macro form on two classes.
METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("accuracy", "accuracy", True),
        Metric("balanced_accuracy", "balanced_accuracy", True),
        Metric("f1", "f1_macro", True),
        Metric("precision", "precision_macro", True),
        Metric("recall", "recall_macro", True),
        Metric("roc_auc", "roc_auc_ovr", True),
        Metric("log_loss", "neg_log_loss", False),
        Metric("r2", "r2", True),
        Metric("rmse", "neg_root_mean_squared_error", False),
        Metric("mae", "neg_mean_absolute_error", False),
    )
}


def get_metric(name: str) -> Metric:
    """Return the metric called `name`, or explain which names exist."""
    try:
        return METRICS[name]
    except KeyError:
        known = ", ".join(METRICS)
        raise ValueError(f"Unknown metric '{name}'. Known metrics are: {known}.") from None
