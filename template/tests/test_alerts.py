"""The text of alerts."""

from ml.alerts import failure_message, success_message, without_credentials
from ml.drift import DriftSummary
from ml.metrics import get_metric
from ml.promotion import decide_by_metric, decide_latest
from ml.search import Candidate


def test_training_success_gives_the_score_and_the_decision() -> None:
    decision = decide_by_metric(get_metric("f1"), 0.9, 0.95, "3", 0.0)
    message = success_message("training", "run-1", decision.describe())
    assert message.splitlines() == [
        "Pipeline `training` succeeded (run `run-1`).",
        "- f1 on the test set: 0.9000",
        "- f1 of version 3, now in the stage: 0.9500",
        "- not promoted: f1 0.9000 does not beat version 3's 0.9500 by more than 0.0",
    ]


def test_a_missed_gate_is_said_once_in_words() -> None:
    missed = ["f1 on the test set is 0.7000, the gate asks for at least 0.8"]
    decision = decide_latest(get_metric("f1"), 0.7, missed)
    assert success_message("training", "run-1", decision.describe()).splitlines()[1:] == [
        "- f1 on the test set: 0.7000",
        f"- not promoted: it missed the quality gates ({missed[0]})",
    ]


def test_inference_success_gives_rows_and_drift() -> None:
    summary = DriftSummary(
        rows_compared=57,
        columns=8,
        drifted_share=0.25,
        drifted_columns=["age", "income"],
        missing_share_reference=0.0,
        missing_share_current=0.015,
    )
    results = [*summary.describe(), "rows predicted: 57"]
    assert success_message("batch_inference", "run-2", results).splitlines()[1:] == [
        "- drifted columns: 25% (age, income)",
        "- missing values: 0.0% in training, 1.5% in the new rows",
        "- rows predicted: 57",
    ]


def test_a_search_result_says_how_its_family_fared() -> None:
    searched = Candidate(family="knn", metric="f1", cv_score=0.81234, search_rows=50000)
    assert searched.describe() == "knn: cross-validated f1 0.8123 on 50,000 rows"
    skipped = Candidate(family="svm", metric="f1", skipped="too many rows")
    assert skipped.describe() == "svm: skipped (too many rows)"


def test_failure_message_names_the_step_and_the_first_error_line() -> None:
    error = RuntimeError("Quality gates failed.\nDetails follow")
    message = failure_message("training", "run-2", "model_evaluator", error, None)
    assert "in step `model_evaluator`" in message
    assert "RuntimeError: Quality gates failed." in message
    assert "Details follow" not in message
    assert "Dashboard" not in message


def test_credentials_in_urls_never_reach_an_alert() -> None:
    error = ConnectionError("cannot reach https://proxy:s3cret@mlflow.example.com/api (refused)")
    message = without_credentials(
        failure_message("training", "run-2", "model_trainer", error, "http://u:p@zenml:8080/r")
    )
    assert "s3cret" not in message and "u:p@" not in message
    assert "https://mlflow.example.com/api" in message and "http://zenml:8080/r" in message
