"""Promote the new model version only when it beats the version in the stage."""

from typing import Annotated

import pandas as pd
from zenml import get_step_context, step
from zenml.types import HTMLString

from ml.contract import ContractViolation, enforce_contract
from ml.evaluation import (
    ModelEvaluation,
    ScoreInterval,
    bootstrap_interval,
    predict,
    promotion_report,
)
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
    evaluation: ModelEvaluation,
    promotion: PromotionSettings,
    random_state: int,
) -> tuple[
    Annotated[PromotionDecision, "promotion_decision"],
    Annotated[HTMLString, "promotion_report"],
]:
    """Compare the new version with the stage's version on this run's test set.

    The current version is scored with its own model and its own preprocessing on
    the same held-out rows the new version was scored on, so both scores compare.
    A version that missed a quality gate is refused without scoring the current one.
    When the rows lack a column the staged version was trained on, changed its type,
    or the target changed (its name, or classes the staged version never saw), the
    staged version cannot score them: the decision says so, and the new version is
    promoted if it met its gates. Returns the decision with both scores, and a report
    that draws both scores with their bootstrap intervals over the same resamples.
    """
    model = get_step_context().model
    scoring = get_metric(promotion.metric)
    current = version_in_stage(model.name, promotion.target_environment)
    current_score, cannot_compare = None, None
    staged_interval: ScoreInterval | None = None
    if current is not None and current.id != model.id and not missed_quality_gates:
        pipeline = current.get_artifact("preprocess_pipeline")
        contract = pipeline.run_metadata["data_contract"]
        try:
            if contract["target_column"] != target_tst.name:
                raise ContractViolation(
                    f"it predicts '{contract['target_column']}', not '{target_tst.name}'"
                )
            rows, _ = enforce_contract(dataset_tst, contract)
            features = transform(pipeline.load(), rows)
            staged_model = current.get_artifact("model").load()
            current_score = scoring.score(staged_model, features, target_tst)
            staged_interval = bootstrap_interval(
                scoring, predict(staged_model, features, target_tst), seed=random_state
            )
        except ValueError as error:  # ContractViolation, or classes it never saw
            cannot_compare = (str(error).strip().splitlines() or [type(error).__name__])[0]
    decision = decide_by_metric(
        scoring,
        test_score,
        current_score,
        str(current.number) if current is not None else None,
        promotion.min_improvement,
        missed_quality_gates,
        cannot_compare,
    )
    apply_decision(model, promotion.target_environment, decision)
    report = promotion_report(
        f"Promotion of {model.name}, version {model.version}, to {promotion.target_environment}",
        decision,
        evaluation.interval,
        str(model.version),
        staged_interval,
        decision.current_version,
    )
    return decision, HTMLString(report)
