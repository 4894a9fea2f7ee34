"""Score the trained model and apply the quality gates."""

from typing import Annotated, Any

import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger

from ml.metrics import get_metric
from ml.quality import failed_quality_gates
from ml.settings import QualityGateSettings

logger = get_logger(__name__)


@step
def model_evaluator(
    model: Any,
    features_trn: pd.DataFrame,
    target_trn: pd.Series,
    features_tst: pd.DataFrame,
    target_tst: pd.Series,
    metric: str,
    quality_gates: QualityGateSettings,
) -> tuple[Annotated[float, "test_score"], Annotated[list[str], "missed_quality_gates"]]:
    """Return the model's test-set score and the quality gates it missed.

    A version that missed a gate is not promoted; with `quality_gates.fail_on_quality_gates` set,
    the run fails here instead.
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
    log_metadata(
        metadata={"evaluation": {"metric": metric, "averaging": scoring.averaging, **scores}},
        infer_model=True,
    )
    failures = failed_quality_gates(
        scoring,
        scores,
        {"train": quality_gates.train_threshold, "test": quality_gates.test_threshold},
    )
    for failure in failures:
        logger.warning("Quality gate missed, so this version will not be promoted: %s.", failure)
    if failures and quality_gates.fail_on_quality_gates:
        raise RuntimeError("Quality gates failed: " + "; ".join(failures) + ".")
    return scores["test"], failures
