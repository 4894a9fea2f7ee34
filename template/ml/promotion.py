"""Deciding whether a newly trained model version replaces the one in the target stage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from ml.metrics import Metric


class PromotionDecision(BaseModel):
    """The outcome of a promotion and the scores it was based on.

    `improvement` is how much the new score beats the current one, in the metric's
    direction; `min_improvement` is the margin it had to exceed. `missed_gates` names
    each quality gate the new version missed, with its score and threshold: a version
    that missed one is never promoted.
    """

    model_config = ConfigDict(frozen=True)

    promote: bool
    reason: str
    metric: str
    new_score: float
    current_score: float | None = None
    current_version: str | None = None
    min_improvement: float = 0.0
    improvement: float | None = None
    missed_gates: list[str] = []

    def as_metadata(self) -> dict[str, Any]:
        """Return the decision as flat metadata, leaving out unknown scores and no gates."""
        return {
            key: value
            for key, value in self.model_dump().items()
            if value is not None and value != []
        }

    def describe(self) -> list[str]:
        """Return the new version's score and the decision, a line each, for people."""
        lines = [f"{self.metric} on the test set: {self.new_score:.4f}"]
        if self.current_score is not None:
            lines.append(
                f"{self.metric} of version {self.current_version}, now in the stage: "
                f"{self.current_score:.4f}"
            )
        verdict = "promoted" if self.promote else "not promoted"
        return [*lines, f"{verdict}: {self.reason}"]


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
        promote=False,
        reason="it missed the quality gates (" + "; ".join(missed_gates) + ")" + keeps,
        metric=metric.name,
        new_score=new_score,
        current_version=current_version,
        min_improvement=min_improvement,
        missed_gates=list(missed_gates),
    )


def decide_by_metric(
    metric: Metric,
    new_score: float,
    current_score: float | None,
    current_version: str | None,
    min_improvement: float,
    missed_gates: Sequence[str] = (),
    cannot_compare: str | None = None,
) -> PromotionDecision:
    """Promote a version that met its gates when it beats the stage's by the margin.

    With no version in the stage, one that met its gates is promoted; so is one whose
    test rows the staged version cannot score (`cannot_compare` says why: its columns
    changed), since the scores cannot be compared.
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
    if cannot_compare:
        reason = (
            f"version {current_version} cannot score this version's test rows "
            f"({cannot_compare.rstrip('.')}), so the scores cannot be compared and the "
            "version that met its gates takes the stage"
        )
        return PromotionDecision(promote=True, reason=reason, **common)
    if current_score is None:
        return PromotionDecision(
            promote=True, reason="no model version holds the stage yet", **common
        )
    gain = metric.improvement(new_score, current_score)
    common["improvement"] = gain
    if gain > min_improvement:
        return PromotionDecision(
            promote=True,
            reason=f"{metric.name} {new_score:.4f} beats version {current_version}'s "
            f"{current_score:.4f} by {gain:.4f}",
            **common,
        )
    return PromotionDecision(
        promote=False,
        reason=f"{metric.name} {new_score:.4f} does not beat version {current_version}'s "
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
    return PromotionDecision(promote=True, reason=reason, metric=metric.name, new_score=new_score)
