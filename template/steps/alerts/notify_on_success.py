"""Announce a successful run with its key results."""

import pandas as pd
from zenml import get_step_context, step

from ml.alerts import success_message
from ml.drift import DriftSummary
from ml.promotion import PromotionDecision
from stack.components import post_alert


@step(enable_cache=False)
def notify_on_success(
    decision: PromotionDecision | None = None,
    drift_summary: DriftSummary | None = None,
    predictions: pd.DataFrame | None = None,
    notes: list[str] | None = None,
) -> None:
    """Post the success alert; an alerter that fails is logged, never fatal.

    Each result given says itself in words: the promotion decision, the drift summary,
    the number of rows predicted; `notes` are added as they are.
    """
    results = [*(notes or [])]
    if decision is not None:
        results += decision.describe()
    if drift_summary is not None:
        results += drift_summary.describe()
    if predictions is not None:
        results.append(f"rows predicted: {len(predictions)}")
    context = get_step_context()
    post_alert(success_message(context.pipeline.name, context.pipeline_run.name, results))
