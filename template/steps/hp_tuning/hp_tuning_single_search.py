"""Search one model family's hyperparameters."""

from typing import Annotated, Any

import pandas as pd
from zenml import step

from ml.metrics import get_metric
from ml.search import search_family


@step
def hp_tuning_single_search(
    features_trn: pd.DataFrame,
    target_column: str,
    family: str,
    spec: dict[str, Any],
    metric: str,
    strategy: str,
    iterations: int,
    cv_folds: int,
    random_state: int,
) -> Annotated[dict[str, Any], "search_result"]:
    """Return the family's best parameters and cross-validated score on training data."""
    return search_family(
        family,
        spec,
        features_trn.drop(columns=[target_column]),
        features_trn[target_column],
        get_metric(metric),
        strategy,
        iterations,
        cv_folds,
        random_state,
    )
