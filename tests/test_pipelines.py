"""Full runs of the generated project: three pipelines, promotion, alerts, its own tests."""

from __future__ import annotations

import pytest
import yaml

from conftest import (
    CLASSIFICATION_SECTIONS,
    Renderer,
    assert_all_pipelines_completed,
    assert_card_matches,
    inspect,
    run,
)
from generated_project import setup_stack, stop_services

ALL_OFF = {
    "hyperparameters_tuning": False,
    "metric_compare_promotion": False,
    "data_quality_checks": False,
    "notify_on_failures": False,
    "notify_on_successes": False,
}


@pytest.mark.slow
def test_defaults_train_deploy_predict_and_compare_on_retrain(running_project) -> None:
    project = running_project()
    setup_stack(project)  # a second set-up changes nothing and does not fail
    output = run(project)
    assert "serves version 1 of 'zenml_e2e_project' at http://127.0.0.1:" in output
    assert "Predicting 57 rows with model version 1." in output

    state = inspect(project)
    assert_all_pipelines_completed(state, training_runs=1)
    first = state["versions"][0]
    assert first["stage"] == "staging"
    assert first["promotion"]["promote"] is True
    assert state["staged_version"] == 1
    assert state["mlflow_alias_version"] == first["mlflow"]["registered_version"]
    assert state["predictions"] == 57  # the 10 % of 569 rows held out for inference
    assert state["runs"]["batch_inference"][-1]["model_version"] == 1
    assert state["rows_predicted_that_trained"] == 0
    # A binary classifier's report, and the card of the staged version.
    assert first["reports"]["evaluation_report"]["sections"] == CLASSIFICATION_SECTIONS
    assert first["reports"]["evaluation_report"]["bytes"] < 1_000_000
    assert_card_matches(first, state["staged_card"])

    # Data settings edited after training do not reach batch inference: it predicts the
    # rows that version 1 held out, never rows it trained on.
    config = project / "configs" / "training.yaml"
    trained_with = config.read_text()
    config.write_text(
        trained_with.replace("random_state: 42", "random_state: 7").replace(
            "inference_share: 0.1", "inference_share: 0.3"
        )
    )
    output = run(project, "--only-inference", "--no-cache")
    assert "Predicting 57 rows with model version 1." in output
    assert inspect(project)["rows_predicted_that_trained"] == 0
    config.write_text(trained_with)
    searches = [
        step for step in state["runs"]["training"][0]["steps"] if "hp_tuning_search" in step
    ]
    assert sorted(searches) == [
        "hp_tuning_search_logistic_regression",
        "hp_tuning_search_random_forest",
    ]

    run(project)
    state = inspect(project)
    assert_all_pipelines_completed(state, training_runs=2)
    retrain = state["runs"]["training"][1]["steps"]
    assert retrain["model_trainer"] == "cached"
    assert retrain["promote_with_metric_compare"] == "completed"
    second = state["versions"][1]
    assert second["promotion"]["promote"] is False
    assert second["promotion"]["current_version"] == "1"
    assert second["promotion"]["current_score"] == pytest.approx(first["evaluation"]["test"])
    assert state["staged_version"] == 1
    # The comparison that kept version 1 is drawn, and the card of version 2 says why.
    assert second["reports"]["promotion_report"]["sections"] == ["decision", "comparison"]
    assert "Not promoted: accuracy" in second["card"]
    assert state["staged_card"] == first["card"]

    # A version that misses a gate no model can reach is not promoted: the staged
    # version keeps serving and predicting.
    output = run(project, "--test-threshold", "1.01")
    assert "serves version 1 of 'zenml_e2e_project'" in output
    state = inspect(project)
    assert_all_pipelines_completed(state, training_runs=3)
    assert state["runs"]["batch_inference"][-1]["model_version"] == 1
    missed = state["versions"][2]["promotion"]
    assert missed["promote"] is False
    assert missed["missed_gates"] == [
        f"accuracy on the test set is {missed['new_score']:.4f}, the gate asks for at least 1.01"
    ]
    assert missed["reason"] == (
        f"it missed the quality gates ({missed['missed_gates'][0]}); version 1 keeps the stage"
    )
    assert "current_score" not in missed
    assert state["staged_version"] == 1
    # Trained from cache, it shares version 1's MLflow version, which keeps its tags.
    assert state["versions"][2]["mlflow"] == first["mlflow"]
    assert state["versions"][2]["mlflow_tags"]["promotion.promote"] == "True"
    assert state["versions"][2]["mlflow_tags"]["promotion.zenml_version"] == "1"

    failed = run(project, "--fail-on-quality-gates", "--test-threshold", "1.01", check=False)
    assert "Pipeline training failed (run" in failed  # the failure alert
    assert "in step model_evaluator" in failed


@pytest.mark.slow
def test_all_optional_features_off(running_project) -> None:
    project = running_project(**ALL_OFF)
    # A first version that misses a gate leaves the stage empty: the run stops, saying why.
    refused = run(project, "--test-threshold", "1.01", check=False)
    assert (
        "No version of 'zenml_e2e_project' holds the stage 'staging': the version just "
        "trained missed its quality gates" in refused
    )
    run(project)
    state = inspect(project)
    assert_all_pipelines_completed(state, training_runs=2)
    assert [version["promotion"]["promote"] for version in state["versions"]] == [False, True]
    assert state["staged_version"] == 2
    # Version 2, trained from cache, takes over the MLflow version and replaces its tags.
    tags = state["versions"][1]["mlflow_tags"]
    assert (tags["promotion.promote"], tags["promotion.zenml_version"]) == ("True", "2")
    assert "promotion.missed_gates" not in tags
    steps = state["runs"]["training"][1]["steps"]
    assert not any("hp_tuning" in step for step in steps)
    assert "promote_latest" in steps and "notify_on_success" not in steps
    assert "drift_report" not in state["runs"]["batch_inference"][0]["steps"]
    assert state["predictions"] == 57

    failed = run(project, "--fail-on-quality-gates", "--test-threshold", "1.01", check=False)
    assert "Pipeline training failed in step model_evaluator: RuntimeError: Quality gates" in failed
    assert "Pipeline training failed (run" not in failed  # no failure alert: it is off


@pytest.mark.slow
def test_promote_latest_to_production_with_success_alerts(running_project) -> None:
    project = running_project(
        metric_compare_promotion=False, target_environment="production", notify_on_successes=True
    )
    output = run(project)
    assert "Pipeline training succeeded" in output
    assert "Pipeline batch_inference succeeded" in output
    assert "rows predicted: 57" in output

    # A cached retrain makes a new version with the same model: it is promoted too.
    run(project, "--only-training")
    state = inspect(project)
    assert [version["stage"] for version in state["versions"]] == ["archived", "production"]
    assert state["versions"][1]["mlflow"] == state["versions"][0]["mlflow"]

    # A fresh retrain registers a new MLflow version, which takes the alias.
    run(project, "--no-cache")
    state = inspect(project)
    assert_all_pipelines_completed(state, training_runs=3)
    assert [version["stage"] for version in state["versions"]] == [
        "archived",
        "archived",
        "production",
    ]
    assert state["staged_version"] == 3
    assert state["mlflow_alias_version"] == state["versions"][2]["mlflow"]["registered_version"]
    assert state["versions"][2]["mlflow"]["registered_version"] == "2"
    assert state["runs"]["batch_inference"][-1]["model_version"] == 3

    # Latest promotion also refuses a version that misses a gate.
    run(project, "--only-training", "--test-threshold", "1.01")
    state = inspect(project)
    assert state["versions"][3]["promotion"]["promote"] is False
    assert "missed the quality gates" in state["versions"][3]["promotion"]["reason"]
    assert state["staged_version"] == 3


def drop_all_but(*kept: str) -> str:
    """Return the --drop-columns value that leaves only `kept` of the default dataset."""
    from sklearn.datasets import load_breast_cancer

    return ",".join(name for name in load_breast_cancer().feature_names if name not in kept)


@pytest.mark.slow
def test_a_weaker_retrain_keeps_the_stage_and_a_stronger_one_takes_it(running_project) -> None:
    project = running_project(
        hyperparameters_tuning=False,
        promotion_metric="log_loss",
        model_families=["logistic_regression"],
    )
    # The weak model misses the default gate (log loss at most 0.5): this test is about
    # the comparison, so the gates are off.
    config = project / "configs" / "training.yaml"
    settings = yaml.safe_load(config.read_text())
    settings["parameters"]["quality_gates"].update(train_threshold=None, test_threshold=None)
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    # Two strong features, then one weak feature, then every feature.
    run(project, "--only-training", "--drop-columns", drop_all_but("worst area", "worst texture"))
    run(project, "--only-training", "--drop-columns", drop_all_but("mean fractal dimension"))
    run(project, "--only-training")
    state = inspect(project)
    assert [run["status"] for run in state["runs"]["training"]] == ["completed"] * 3
    assert "deployment" not in state["runs"]
    first, weaker, stronger = (version["promotion"] for version in state["versions"])

    assert first["promote"] is True
    assert weaker["promote"] is False
    assert weaker["current_version"] == "1"
    assert weaker["new_score"] > weaker["current_score"]  # log loss: lower is better
    assert weaker["current_score"] == pytest.approx(first["new_score"])
    assert weaker["improvement"] < 0
    assert "does not beat version 1's" in weaker["reason"]
    assert stronger["promote"] is True
    assert stronger["current_version"] == "1"
    assert stronger["improvement"] == pytest.approx(
        stronger["current_score"] - stronger["new_score"]
    )
    assert "beats version 1's" in stronger["reason"]
    assert [version["stage"] for version in state["versions"]] == ["archived", None, "staging"]

    weaker_tags = state["versions"][1]["mlflow_tags"]
    assert weaker_tags["promotion.promote"] == "False"
    assert weaker_tags["promotion.reason"] == weaker["reason"]
    assert float(weaker_tags["promotion.new_score"]) == pytest.approx(weaker["new_score"])
    assert float(weaker_tags["promotion.current_score"]) == pytest.approx(weaker["current_score"])
    assert state["mlflow_alias_version"] == state["versions"][2]["mlflow"]["registered_version"]


@pytest.mark.slow
def test_a_stack_without_the_tracker_gets_a_clear_error(render_project: Renderer) -> None:
    project = render_project()
    output = run(project, check=False)
    assert "has no MLflow experiment tracker" in output
    assert "make setup" in output
    assert "Traceback" not in output
    stop_services(project)
