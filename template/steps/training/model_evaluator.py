"""Score the trained model, apply the quality gates and draw the evaluation report."""

from typing import Annotated, Any

import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import get_step_context, log_metadata, step
from zenml.logger import get_logger
from zenml.types import HTMLString

from ml.evaluation import (
    ModelEvaluation,
    evaluate,
    evaluation_report,
    predict,
    raw_column_importance,
)
from ml.metrics import get_metric
from ml.quality import failed_quality_gates
from ml.settings import QualityGateSettings

logger = get_logger(__name__)


@step(experiment_tracker=True)
def model_evaluator(
    model: Any,
    features_trn: pd.DataFrame,
    target_trn: pd.Series,
    features_tst: pd.DataFrame,
    target_tst: pd.Series,
    dataset_tst: pd.DataFrame,
    preprocess_pipeline: Pipeline,
    metric: str,
    quality_gates: QualityGateSettings,
    random_state: int,
) -> tuple[
    Annotated[float, "test_score"],
    Annotated[list[str], "missed_quality_gates"],
    Annotated[ModelEvaluation, "evaluation"],
    Annotated[HTMLString, "evaluation_report"],
]:
    """Return the model's test-set score, the quality gates it missed, and its evaluation.

    The evaluation holds the test score's bootstrap interval and the raw columns'
    permutation importance; the report draws it (ml/evaluation.py) and is also logged to
    the version's MLflow run. A version that missed a gate is not promoted; with
    `quality_gates.fail_on_quality_gates` set, the run fails here instead.
    """
    scoring = get_metric(metric)
    scores = {
        "train": scoring.score(model, features_trn, target_trn),
        "test": scoring.score(model, features_tst, target_tst),
    }
    logger.info(
        "%s: %.4f on the training set, %.4f on the test set.",
        scoring.label,
        scores["train"],
        scores["test"],
    )
    thresholds = {"train": quality_gates.train_threshold, "test": quality_gates.test_threshold}
    predictions = predict(model, features_tst, target_tst)
    evaluation = evaluate(
        scoring,
        predictions,
        scores,
        thresholds,
        raw_column_importance(
            Pipeline([("preprocess", preprocess_pipeline), ("model", model)]),
            dataset_tst,
            target_tst,
            scoring,
            seed=random_state,
        ),
        seed=random_state,
    )
    logger.info("Test score: %s.", evaluation.interval.describe())
    version = get_step_context().model
    report = evaluation_report(
        f"Evaluation of {version.name}, version {version.version}",
        evaluation,
        predictions,
        seed=random_state,
    )
    log_to_mlflow(evaluation, report)
    log_metadata(
        metadata={
            "evaluation": {
                "metric": metric,
                "averaging": scoring.averaging,
                **scores,
                **evaluation.as_metadata(),
            }
        },
        infer_model=True,
    )
    failures = failed_quality_gates(scoring, scores, thresholds)
    for failure in failures:
        logger.warning("Quality gate missed, so this version will not be promoted: %s.", failure)
    if failures and quality_gates.fail_on_quality_gates:
        raise RuntimeError("Quality gates failed: " + "; ".join(failures) + ".")
    return scores["test"], failures, evaluation, HTMLString(report)


def log_to_mlflow(evaluation: ModelEvaluation, report: str) -> None:
    """Log the report and the test interval to the step's MLflow run."""
    import mlflow

    interval = evaluation.interval
    mlflow.log_metrics(
        {f"test_{interval.metric}_low": interval.low, f"test_{interval.metric}_high": interval.high}
    )
    mlflow.log_text(report, "evaluation_report.html")
