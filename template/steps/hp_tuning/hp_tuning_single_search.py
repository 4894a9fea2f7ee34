"""Search one model family's hyperparameters."""

from typing import Annotated

import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import step
from zenml.logger import get_logger

from ml.metrics import get_metric
from ml.search import Candidate, sample_for_search, search_family, skipped, too_many_rows
from ml.settings import DataSettings, SearchSettings

logger = get_logger(__name__)


@step
def hp_tuning_single_search(
    dataset_trn: pd.DataFrame,
    target_trn: pd.Series,
    preprocess_pipeline: Pipeline,
    data: DataSettings,
    search: SearchSettings,
    family: str,
    metric: str,
) -> Annotated[Candidate, "search_result"]:
    """Return the family's best parameters and cross-validated score on training rows.

    `family` names one of `search`'s model families. The search runs on at most
    `search.max_rows` rows, each fold preprocessing its rows afresh; a family that
    cannot train on all the rows is skipped.
    """
    scoring = get_metric(metric)
    limit = search.model_families[family].max_training_rows
    reason = too_many_rows(family, limit, len(dataset_trn))
    if reason:
        logger.warning("Skipping a family: %s.", reason)
        return skipped(family, reason, scoring)
    features, target = sample_for_search(
        dataset_trn, target_trn, search.max_rows, data.task_type, data.random_state
    )
    logger.info("Searching %s on %d of %d training rows.", family, len(features), len(dataset_trn))
    return search_family(
        family, search, features, target, preprocess_pipeline, scoring, data.random_state
    )
