"""Metrics: their direction, averaging and the task they score."""

import pytest

from ml.metrics import METRICS, get_metric


def test_each_task_has_its_metrics() -> None:
    by_task = {
        task: sorted(name for name, metric in METRICS.items() if metric.task_type == task)
        for task in ("classification", "regression")
    }
    assert by_task["regression"] == ["mae", "r2", "rmse"]
    assert "roc_auc" in by_task["classification"]


def test_a_metric_of_the_other_task_is_refused_with_the_fitting_ones() -> None:
    with pytest.raises(ValueError, match="'accuracy' scores classification, but the task is"):
        get_metric("accuracy", "regression")
    with pytest.raises(ValueError, match="one of r2, rmse, mae"):
        get_metric("f1", "regression")
    with pytest.raises(ValueError, match="Unknown metric 'auc'"):
        get_metric("auc")


def test_multiclass_averaging_is_named() -> None:
    assert get_metric("f1").label == "f1 (macro average over classes)"
    assert "one-vs-rest" in get_metric("roc_auc").label
    assert get_metric("accuracy").label == "accuracy"


def test_error_metrics_are_reported_as_positive_numbers() -> None:
    rmse = get_metric("rmse")
    assert rmse.from_scorer_value(-2.5) == 2.5
    assert rmse.meets(2.0, 3.0) and not rmse.meets(4.0, 3.0)
