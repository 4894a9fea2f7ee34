"""Hyperparameter search and the selection of the best family."""

import pandas as pd
import pytest

from ml.metrics import get_metric
from ml.preprocessing import build_preprocessor
from ml.roles import infer_roles
from ml.search import (
    Candidate,
    build_estimator,
    sample_for_search,
    search_family,
    search_space,
    select_best,
    skipped,
    too_many_rows,
)
from ml.settings import SearchSettings

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


def search_settings(strategy: str, iterations: int, families: dict = FAMILIES) -> SearchSettings:
    """Return search settings over `families`, three folds, every row searched."""
    return SearchSettings(
        hyperparameters_tuning=True,
        strategy=strategy,
        iterations=iterations,
        cv_folds=3,
        max_rows=100_000,
        model_families=families,
    )


def preprocessor_for(features: pd.DataFrame):
    """Return an unfitted preprocessor for these columns, roles inferred."""
    return build_preprocessor(features, infer_roles(features, {}), True, max_features=100)


def search_all(frame: pd.DataFrame, metric_name: str) -> list[Candidate]:
    features = frame.drop(columns=["target"])
    return [
        search_family(
            family,
            search_settings("grid", iterations=2),
            features,
            frame["target"],
            preprocessor_for(features),
            get_metric(metric_name),
            random_state=0,
        )
        for family in FAMILIES
    ]


def test_the_family_that_learns_the_signal_wins(mixed_frame: pd.DataFrame) -> None:
    results = search_all(mixed_frame, "accuracy")
    best = select_best(results, get_metric("accuracy"))
    assert best.family == "logistic_regression"
    assert best.params["max_iter"] == 500
    assert best.cv_score > 0.9
    assert best.search_rows == len(mixed_frame)


def test_selection_respects_lower_is_better_metrics(mixed_frame: pd.DataFrame) -> None:
    results = search_all(mixed_frame, "log_loss")
    assert all(result.cv_score > 0 for result in results)
    assert select_best(results, get_metric("log_loss")).family == "logistic_regression"


def test_random_search_never_asks_for_more_candidates_than_exist(
    mixed_frame: pd.DataFrame,
) -> None:
    result = search_family(
        "logistic_regression",
        search_settings("random", iterations=50),
        mixed_frame[["signal"]],
        mixed_frame["target"],
        preprocessor_for(mixed_frame[["signal"]]),
        get_metric("accuracy"),
        random_state=0,
    )
    assert result.params["C"] in (0.1, 1.0)


def test_an_unimportable_estimator_gets_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Cannot import estimator 'sklearn.nope.Model'"):
        build_estimator("sklearn.nope.Model", {})


def test_random_state_is_applied_when_the_estimator_accepts_it() -> None:
    forest = build_estimator("sklearn.ensemble.RandomForestClassifier", {}, random_state=3)
    assert forest.random_state == 3


def test_ranges_are_drawn_in_random_search(mixed_frame: pd.DataFrame) -> None:
    spec = {
        "estimator": "sklearn.linear_model.LogisticRegression",
        "search_space": {"C": {"low": 0.01, "high": 10.0, "log": True}},
    }
    result = search_family(
        "logistic_regression",
        search_settings("random", iterations=3, families={"logistic_regression": spec}),
        mixed_frame[["signal"]],
        mixed_frame["target"],
        preprocessor_for(mixed_frame[["signal"]]),
        get_metric("accuracy"),
        random_state=0,
    )
    assert isinstance(result.params["C"], float)
    assert 0.01 <= result.params["C"] <= 10.0


def test_integer_ranges_give_whole_numbers() -> None:
    space = search_space("knn", {"n_neighbors": {"low": 1, "high": 9, "integer": True}}, "random")
    draws = space["n_neighbors"].rvs(size=50, random_state=0)
    assert set(draws) <= set(range(1, 10))


def test_grid_search_needs_lists_and_bad_spaces_are_named() -> None:
    with pytest.raises(ValueError, match="parameter 'C': grid search needs a list"):
        search_space("logistic_regression", {"C": {"low": 0.1, "high": 1.0}}, "grid")
    with pytest.raises(ValueError, match="'svm', parameter 'gamma': give a list of values"):
        search_space("svm", {"gamma": "scale"}, "random")


def test_a_metric_that_needs_probabilities_refuses_an_estimator_without_them(
    mixed_frame: pd.DataFrame,
) -> None:
    svm = {"estimator": "sklearn.svm.SVC", "search_space": {"C": [1.0]}}
    with pytest.raises(ValueError, match="SVC gives no class probabilities, which the metric"):
        search_family(
            "svm",
            search_settings("grid", iterations=1, families={"svm": svm}),
            mixed_frame[["signal"]],
            mixed_frame["target"],
            preprocessor_for(mixed_frame[["signal"]]),
            get_metric("roc_auc"),
            random_state=0,
        )


def test_the_search_sample_is_bounded_and_keeps_the_class_balance(
    mixed_frame: pd.DataFrame,
) -> None:
    features, target = mixed_frame.drop(columns=["target"]), mixed_frame["target"]
    sample, sample_target = sample_for_search(features, target, 60, "classification", 0)
    assert len(sample) == len(sample_target) == 60
    assert abs(sample_target.mean() - target.mean()) <= 1 / 60
    same, _ = sample_for_search(features, target, 1000, "classification", 0)
    assert same is features
    quantity = features["signal"]
    _, sample_quantity = sample_for_search(features, quantity, 50, "regression", 0)
    assert len(sample_quantity) == 50
    assert abs(sample_quantity.median() - quantity.median()) < 0.3


def test_families_that_do_not_scale_are_skipped_and_all_skipped_stops(
    mixed_frame: pd.DataFrame,
) -> None:
    reason = too_many_rows("svm", 100, 200)
    assert "'svm' is limited to 100 training rows" in reason and "has 200" in reason
    assert too_many_rows("svm", 100, 100) is None
    assert too_many_rows("logistic_regression", None, 10**9) is None
    accuracy = get_metric("accuracy")
    with pytest.raises(ValueError, match="No model family could be searched: 'svm' is limited"):
        select_best([skipped("svm", reason, accuracy)], accuracy)
    searched = search_all(mixed_frame, "accuracy")
    best = select_best([skipped("svm", reason, accuracy), *searched], accuracy)
    assert best.family == "logistic_regression"


def test_a_sample_just_under_the_rows_falls_back_to_a_plain_draw(
    mixed_frame: pd.DataFrame,
) -> None:
    features, target = mixed_frame.drop(columns=["target"]), mixed_frame["signal"]
    sample, _ = sample_for_search(features, target, len(features) - 3, "regression", 0)
    assert len(sample) == len(features) - 3


def test_a_familys_search_settings_hold_only_what_its_search_depends_on() -> None:
    settings = search_settings("grid", iterations=2).model_copy(
        update={"resources": {"cpu_count": 2}}
    )
    one = settings.of_family("logistic_regression")
    assert one.model_families == {
        "logistic_regression": settings.model_families["logistic_regression"]
    }
    assert one.resources == {}
    assert (one.strategy, one.iterations, one.cv_folds) == ("grid", 2, 3)
