"""The bundled datasets, from training to predictions: every model family between them."""

from __future__ import annotations

import pytest

from conftest import (
    ARTIFACTS,
    CLASSIFICATION_SECTIONS,
    REGRESSION_SECTIONS,
    assert_all_pipelines_completed,
    assert_card_matches,
    inspect,
    run,
)

HELD_OUT_ROWS = {"wine": 18, "iris": 15, "digits": 180, "diabetes": 44}
# Test scores measured before column roles and the in-fold search (v0.3.0 work), which
# must not get worse: f1, log_loss, balanced_accuracy, rmse.
SCORES_BEFORE = {"wine": 1.0, "iris": 0.1017, "digits": 0.9569, "diabetes": 47.17}

# Between them, the bundled datasets run every model family, both search strategies
# and metrics of either direction.
MODEL_ANSWERS = {
    "wine": {
        "promotion_metric": "f1",
        "search_strategy": "grid",
        "model_families": ["svm", "knn", "decision_tree"],
    },
    "iris": {"promotion_metric": "log_loss", "model_families": ["logistic_regression", "knn"]},
    "digits": {
        "promotion_metric": "balanced_accuracy",
        "model_families": ["hist_gradient_boosting"],
        "search_iterations": 2,
    },
    "diabetes": {
        "promotion_metric": "rmse",
        "model_families": ["ridge", "decision_tree", "knn", "random_forest"],
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("dataset", sorted(HELD_OUT_ROWS))
def test_bundled_dataset_trains_and_predicts(running_project, dataset: str) -> None:
    answers = MODEL_ANSWERS[dataset]
    project = running_project(dataset=dataset, **answers)
    run(project)
    state = inspect(project)
    assert_all_pipelines_completed(state, training_runs=1)
    assert state["predictions"] == HELD_OUT_ROWS[dataset]
    version = state["versions"][0]
    selection = version["model_selection"]
    assert selection["metric"] == answers["promotion_metric"]
    assert sorted(selection["cv_scores"]) == sorted(answers["model_families"])
    best_score = selection["cv_scores"][selection["best"]]
    lower_is_better = answers["promotion_metric"] in {"log_loss", "rmse"}
    pick = min if lower_is_better else max
    assert best_score == pick(selection["cv_scores"].values())
    assert version["evaluation"]["metric"] == answers["promotion_metric"]
    test_score, before = version["evaluation"]["test"], SCORES_BEFORE[dataset]
    assert test_score <= before * 1.01 if lower_is_better else test_score >= before * 0.99
    assert version["promotion"]["metric"] == answers["promotion_metric"]
    tags = version["mlflow_tags"]
    assert tags["promotion.promote"] == "True"
    assert tags["promotion.metric"] == answers["promotion_metric"]

    # The version's evaluation report, in ZenML and in its MLflow run, and its card.
    report = version["reports"]["evaluation_report"]
    sections = REGRESSION_SECTIONS if dataset == "diabetes" else CLASSIFICATION_SECTIONS
    assert report["sections"] == sections
    assert report["bytes"] < 1_000_000
    assert "evaluation_report.html" in version["mlflow_run_artifacts"]
    assert version["reports"]["promotion_report"]["sections"] == ["decision", "comparison"]
    assert_card_matches(version, version["card"])
    assert "Promoted: no model version holds the stage yet." in version["card"]
    assert state["staged_card"] == version["card"]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"evaluation_{dataset}.html").write_text(state["staged_evaluation_report"])
