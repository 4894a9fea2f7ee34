"""Promotion decisions and quality gates."""

from ml.metrics import get_metric
from ml.promotion import decide_by_metric, decide_latest
from ml.quality import failed_quality_gates


def test_first_version_is_promoted() -> None:
    decision = decide_by_metric(get_metric("accuracy"), 0.9, None, None, 0.0)
    assert decision.promote
    assert "current_score" not in decision.as_metadata()


def test_a_better_version_is_promoted_and_a_tie_is_not() -> None:
    accuracy = get_metric("accuracy")
    assert decide_by_metric(accuracy, 0.95, 0.9, "1", 0.0).promote
    tie = decide_by_metric(accuracy, 0.9, 0.9, "1", 0.0)
    assert not tie.promote
    assert "does not beat version 1's 0.9000" in tie.reason


def test_the_margin_must_be_exceeded() -> None:
    decision = decide_by_metric(get_metric("accuracy"), 0.92, 0.9, "3", 0.05)
    assert not decision.promote
    assert decision.as_metadata()["min_improvement"] == 0.05


def test_lower_is_better_metrics_compare_the_right_way() -> None:
    rmse = get_metric("rmse")
    assert decide_by_metric(rmse, 1.0, 2.0, "1", 0.0).promote
    assert not decide_by_metric(rmse, 2.0, 1.0, "1", 0.0).promote


def test_latest_is_promoted_when_it_meets_the_gates() -> None:
    assert decide_latest(get_metric("r2"), 0.1).promote
    assert "missed_gates" not in decide_latest(get_metric("r2"), 0.1).as_metadata()


def test_a_version_that_missed_a_gate_is_never_promoted() -> None:
    accuracy = get_metric("accuracy")
    missed = failed_quality_gates(accuracy, {"train": 0.99, "test": 0.7}, {"test": 0.8})
    for decision in (
        decide_latest(accuracy, 0.7, missed),
        decide_by_metric(accuracy, 0.7, None, None, 0.0, missed),
        decide_by_metric(accuracy, 0.7, 0.5, "1", 0.0, missed),
    ):
        assert not decision.promote
        assert decision.as_metadata()["missed_gates"] == missed
        assert "accuracy on the test set is 0.7000, the gate asks for at least 0.8" in (
            decision.reason
        )
    kept = decide_by_metric(accuracy, 0.7, 0.5, "1", 0.02, missed).as_metadata()
    assert kept["reason"].endswith("; version 1 keeps the stage")
    assert (kept["current_version"], kept["min_improvement"]) == ("1", 0.02)
    assert "current_score" not in kept


def test_quality_gates_report_each_miss_in_the_metric_direction() -> None:
    accuracy = get_metric("accuracy")
    failures = failed_quality_gates(
        accuracy, {"train": 0.95, "test": 0.7}, {"train": 0.9, "test": 0.8}
    )
    assert failures == ["accuracy on the test set is 0.7000, the gate asks for at least 0.8"]
    log_loss = get_metric("log_loss")
    assert failed_quality_gates(log_loss, {"train": 0.2, "test": 0.6}, {"train": None, "test": 0.5})


def test_the_decision_records_the_improvement_in_the_metric_direction() -> None:
    decision = decide_by_metric(get_metric("mae"), 3.0, 5.0, "2", 1.0)
    assert decision.promote
    assert decision.as_metadata()["improvement"] == 2.0
    assert "beats version 2's 5.0000 by 2.0000" in decision.reason


def test_a_staged_version_that_cannot_score_the_new_columns_gives_way_on_record() -> None:
    accuracy = get_metric("accuracy")
    why = "The new data lacks columns the model was trained on: age."
    decision = decide_by_metric(accuracy, 0.9, None, "4", 0.0, cannot_compare=why)
    assert decision.promote
    assert decision.reason == (
        "version 4 cannot score this version's test rows (The new data lacks columns the "
        "model was trained on: age), so the scores cannot be compared and the version that "
        "met its gates takes the stage"
    )
    missed = ["accuracy on the test set is 0.5000, the gate asks for at least 0.8"]
    refused = decide_by_metric(accuracy, 0.5, None, "4", 0.0, missed, cannot_compare=why)
    assert not refused.promote and refused.missed_gates == missed
