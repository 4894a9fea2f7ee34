"""Fit the estimator of the version's performance on rows whose labels have not arrived."""

from typing import Annotated, Any

import pandas as pd
from zenml import step

from ml.estimation import PerformanceEstimator
from ml.metrics import get_metric

# Enough test rows to fit NannyML's calibration and error model; more add time, not skill.
FIT_ROWS = 20_000


@step
def performance_estimator_fitter(
    model: Any, features_tst: pd.DataFrame, target_tst: pd.Series, metric: str
) -> Annotated[PerformanceEstimator, "performance_estimator"]:
    """Return the version's estimator of its promotion metric, fitted on its test rows.

    Batch inference uses it to estimate each batch's metric before labels arrive. A
    classifier without class probabilities, or a metric NannyML cannot estimate
    (log_loss), gives an estimator that estimates nothing.
    """
    task_type = get_metric(metric).task_type
    if len(features_tst) > FIT_ROWS:
        features_tst = features_tst.sample(n=FIT_ROWS, random_state=0)
        target_tst = target_tst.loc[features_tst.index]
    probabilities = None
    classes = None
    if task_type == "classification":
        if not hasattr(model, "predict_proba"):
            return PerformanceEstimator(task_type, metric, None)
        probabilities = model.predict_proba(features_tst)
        classes = [str(label) for label in model.classes_]
    estimator = PerformanceEstimator(task_type, metric, classes)
    return estimator.fit(features_tst, model.predict(features_tst), probabilities, target_tst)
