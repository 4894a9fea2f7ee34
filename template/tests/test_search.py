"""Hyperparameter search and the selection of the best family."""

import pandas as pd
import pytest

from ml.metrics import get_metric
from ml.search import build_estimator, search_family, select_best

FAMILIES = {
    "always_majority": {
        "estimator": "sklearn.dummy.DummyClassifier",
        "search_space": {"strategy": ["most_frequent", "prior"]},
    },
    "logistic_regression": {
        "estimator": "sklearn.linear_model.LogisticRegression",
        "defaults": {"max_iter": 500},
        "search_space": {"C": [0.1, 1.0]},
    },
}


def search_all(frame: pd.DataFrame, metric_name: str) -> list[dict]:
    features = frame[["signal", "noise"]].fillna(0)
    return [
        search_family(
            family,
            spec,
            features,
            frame["target"],
            get_metric(metric_name),
            strategy="grid",
            iterations=2,
            cv_folds=3,
            random_state=0,
        )
        for family, spec in FAMILIES.items()
    ]


def test_the_family_that_learns_the_signal_wins(mixed_frame: pd.DataFrame) -> None:
    results = search_all(mixed_frame, "accuracy")
    best = select_best(results, get_metric("accuracy"))
    assert best["family"] == "logistic_regression"
    assert best["params"]["max_iter"] == 500
    assert best["cv_score"] > 0.9


def test_selection_respects_lower_is_better_metrics(mixed_frame: pd.DataFrame) -> None:
    results = search_all(mixed_frame, "log_loss")
    assert all(result["cv_score"] > 0 for result in results)
    assert select_best(results, get_metric("log_loss"))["family"] == "logistic_regression"


def test_random_search_never_asks_for_more_candidates_than_exist(
    mixed_frame: pd.DataFrame,
) -> None:
    result = search_family(
        "logistic_regression",
        FAMILIES["logistic_regression"],
        mixed_frame[["signal"]],
        mixed_frame["target"],
        get_metric("accuracy"),
        strategy="random",
        iterations=50,
        cv_folds=3,
        random_state=0,
    )
    assert result["params"]["C"] in (0.1, 1.0)


def test_an_unimportable_estimator_gets_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Cannot import estimator 'sklearn.nope.Model'"):
        build_estimator("sklearn.nope.Model", {})


def test_random_state_is_applied_when_the_estimator_accepts_it() -> None:
    forest = build_estimator("sklearn.ensemble.RandomForestClassifier", {}, random_state=3)
    assert forest.random_state == 3
