"""Deciding whether a newly trained model version replaces the one in the target stage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ml.metrics import Metric


@dataclass(frozen=True)
class PromotionDecision:
    """The outcome of a promotion and the scores it was based on.

    `improvement` is how much the new score beats the current one, in the metric's
    direction; `min_improvement` is the margin it had to exceed. `missed_gates` names
    each quality gate the new version missed, with its score and threshold: a version
    that missed one is never promoted.
    """

    promote: bool
    reason: str
    metric: str
    new_score: float
    current_score: float | None = None
    current_version: str | None = None
    min_improvement: float = 0.0
    improvement: float | None = None
    missed_gates: tuple[str, ...] = ()

    def as_metadata(self) -> dict[str, Any]:
        """Return the decision as flat metadata, leaving out unknown scores and no gates."""
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in asdict(self).items()
            if value is not None and not (isinstance(value, tuple) and not value)
        }


def refused_by_gates(
    metric: Metric,
    new_score: float,
    missed_gates: Sequence[str],
    current_version: str | None = None,
    min_improvement: float = 0.0,
) -> PromotionDecision | None:
    """Return the refusal of a version that missed quality gates, or None if it met all.

    The refusal says which version, if any, keeps the stage.
    """
    if not missed_gates:
        return None
    keeps = f"; version {current_version} keeps the stage" if current_version else ""
    return PromotionDecision(
        False,
        "it missed the quality gates (" + "; ".join(missed_gates) + ")" + keeps,
        metric.name,
        new_score,
        current_version=current_version,
        min_improvement=min_improvement,
        missed_gates=tuple(missed_gates),
    )


def decide_by_metric(
    metric: Metric,
    new_score: float,
    current_score: float | None,
    current_version: str | None,
    min_improvement: float,
    missed_gates: Sequence[str] = (),
) -> PromotionDecision:
    """Promote a version that met its gates when it beats the stage's by the margin.

    With no version in the stage, one that met its gates is promoted.
    """
    refusal = refused_by_gates(metric, new_score, missed_gates, current_version, min_improvement)
    if refusal is not None:
        return refusal
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


def decide_latest(
    metric: Metric, new_score: float, missed_gates: Sequence[str] = ()
) -> PromotionDecision:
    """Promote the latest version whenever it met its quality gates."""
    refusal = refused_by_gates(metric, new_score, missed_gates)
    if refusal is not None:
        return refusal
    reason = "the latest version is promoted when it meets the quality gates"
    return PromotionDecision(True, reason, metric.name, new_score)
