"""Announce a successful run with its key results."""

from typing import Any

import pandas as pd
from zenml import get_step_context, step

from ml.alerts import success_message
from stack.components import post_alert


@step(enable_cache=False)
def notify_on_success(details: dict[str, Any], predictions: pd.DataFrame | None = None) -> None:
    """Post the success alert; an alerter that fails is logged, never fatal.

    `details` are the run's key results; with `predictions`, their count is added.
    """
    if predictions is not None:
        details = {**details, "rows predicted": len(predictions)}
    context = get_step_context()
    post_alert(success_message(context.pipeline.name, context.pipeline_run.name, details))
