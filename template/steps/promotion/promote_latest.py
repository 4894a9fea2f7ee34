"""Promote every new model version that met the quality gates."""

from typing import Annotated

from zenml import get_step_context, step

from ml.metrics import get_metric
from ml.promotion import PromotionDecision, decide_latest
from ml.settings import PromotionSettings
from stack.stages import apply_decision


@step(enable_cache=False)
def promote_latest(
    test_score: float, missed_quality_gates: list[str], promotion: PromotionSettings
) -> Annotated[PromotionDecision, "promotion_decision"]:
    """Move the new version into the stage unless it missed a gate; return the decision."""
    decision = decide_latest(get_metric(promotion.metric), test_score, missed_quality_gates)
    apply_decision(get_step_context().model, promotion.target_environment, decision)
    return decision
