"""Deciding whether a newly trained model version replaces the one in the target stage."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ml.metrics import Metric


@dataclass(frozen=True)
class PromotionDecision:
    """The outcome of a promotion and the scores it was based on.

    `improvement` is how much the new score beats the current one, in the metric's
    direction; `min_improvement` is the margin it had to exceed.
    """

    promote: bool
    reason: str
    metric: str
    new_score: float
    current_score: float | None = None
    current_version: str | None = None
    min_improvement: float = 0.0
    improvement: float | None = None

    def as_metadata(self) -> dict[str, Any]:
        """Return the decision as flat metadata, leaving out unknown scores."""
        return {key: value for key, value in asdict(self).items() if value is not None}


def decide_by_metric(
    metric: Metric,
    new_score: float,
    current_score: float | None,
    current_version: str | None,
    min_improvement: float,
) -> PromotionDecision:
    """Promote when no version holds the stage or the new one beats it by the margin."""
    common = {
        "metric": metric.name,
        "new_score": new_score,
        "current_score": current_score,
        "current_version": current_version,
        "min_improvement": min_improvement,
    }
    if current_score is None:
        return PromotionDecision(True, "no model version holds the stage yet", **common)
    gain = metric.improvement(new_score, current_score)
    common["improvement"] = gain
    if gain > min_improvement:
        return PromotionDecision(
            True,
            f"{metric.name} {new_score:.4f} beats version {current_version}'s "
            f"{current_score:.4f} by {gain:.4f}",
            **common,
        )
    return PromotionDecision(
        False,
        f"{metric.name} {new_score:.4f} does not beat version {current_version}'s "
        f"{current_score:.4f} by more than {min_improvement}",
        **common,
    )


def decide_latest(metric: Metric, new_score: float) -> PromotionDecision:
    """Promote the latest version unconditionally (it already passed the gates)."""
    return PromotionDecision(True, "the latest version is always promoted", metric.name, new_score)
