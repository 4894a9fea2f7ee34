"""Quality gates on a trained model's scores."""

from __future__ import annotations

from ml.metrics import Metric


def failed_quality_gates(
    metric: Metric,
    scores: dict[str, float],
    thresholds: dict[str, float],
) -> list[str]:
    """Return a message for each dataset whose score misses its threshold."""
    direction = "at least" if metric.greater_is_better else "at most"
    return [
        f"{metric.name} on the {dataset} set is {scores[dataset]:.4f}, "
        f"the gate asks for {direction} {threshold}"
        for dataset, threshold in thresholds.items()
        if threshold is not None and not metric.meets(scores[dataset], threshold)
    ]
