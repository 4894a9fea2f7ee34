"""Promote the new model version only when it beats the version in the stage."""

from typing import Annotated

import pandas as pd
from zenml import get_step_context, step

from ml.metrics import get_metric
from ml.preprocessing import transform
from ml.promotion import PromotionDecision, decide_by_metric
from ml.settings import PromotionSettings
from stack.stages import apply_decision, version_in_stage


@step(enable_cache=False)
def promote_with_metric_compare(
    test_score: float,
    missed_quality_gates: list[str],
    dataset_tst: pd.DataFrame,
    target_tst: pd.Series,
    promotion: PromotionSettings,
) -> Annotated[PromotionDecision, "promotion_decision"]:
    """Compare the new version with the stage's version on this run's test set.

    The current version is scored with its own model and its own preprocessing on
    the same held-out rows the new version was scored on, so both scores compare.
    A version that missed a quality gate is refused without scoring the current one.
    Returns the decision with both scores.
    """
    model = get_step_context().model
    scoring = get_metric(promotion.metric)
    current = version_in_stage(model.name, promotion.target_environment)
    current_score = None
    if current is not None and current.id != model.id and not missed_quality_gates:
        features = transform(current.get_artifact("preprocess_pipeline").load(), dataset_tst)
        current_score = scoring.score(current.get_artifact("model").load(), features, target_tst)
    decision = decide_by_metric(
        scoring,
        test_score,
        current_score,
        str(current.number) if current is not None else None,
        promotion.min_improvement,
        missed_quality_gates,
    )
    apply_decision(model, promotion.target_environment, decision)
    return decision
