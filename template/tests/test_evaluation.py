"""The evaluation report: scores from predictions, bootstrap intervals, figures, sections."""

from __future__ import annotations

import base64
import html
import re

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from ml.evaluation import (
    FROM_PREDICTIONS,
    Predictions,
    bootstrap_interval,
    evaluate,
    evaluation_report,
    predict,
    promotion_report,
    raw_column_importance,
    score_predictions,
)
from ml.metrics import METRICS, get_metric
from ml.preprocessing import build_preprocessor, fit_and_transform
from ml.promotion import decide_by_metric
from ml.roles import infer_roles

CLASSIFICATION_SECTIONS = (
    "score",
    "gates",
    "confusion-matrix",
    "per-class",
    "roc",
    "precision-recall",
    "calibration",
    "importance",
)
REGRESSION_SECTIONS = (
    "score",
    "gates",
    "predicted-vs-actual",
    "residuals",
    "residual-distribution",
    "error-by-decile",
    "importance",
)


def sections(page: str) -> list[str]:
    return re.findall(r'<section id="([a-z-]+)">', page)


def images(page: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r"base64,([A-Za-z0-9+/=]+)", page)]


def iris_split(drop_class_from_test: int | None = None):
    features, target = load_iris(return_X_y=True, as_frame=True)
    rng = np.random.default_rng(0)
    test = rng.random(len(target)) < 0.3
    if drop_class_from_test is not None:
        test &= target.to_numpy() != drop_class_from_test
    return features[~test], target[~test], features[test], target[test]


def test_every_metric_is_computed_from_predictions_as_its_scorer_computes_it() -> None:
    assert set(FROM_PREDICTIONS) == set(METRICS)
    x_trn, y_trn, x_tst, y_tst = iris_split()
    classifier = LogisticRegression(max_iter=500).fit(x_trn, y_trn)
    binary = LogisticRegression(max_iter=500).fit(x_trn, y_trn == 0)
    features, values = load_diabetes(return_X_y=True, as_frame=True)
    regressor = Ridge().fit(features[:300], values[:300])
    for metric in METRICS.values():
        if metric.task_type == "regression":
            cases = [(regressor, features[300:], values[300:])]
        else:
            cases = [(classifier, x_tst, y_tst), (binary, x_tst, y_tst == 0)]
        for model, rows, target in cases:
            expected = metric.score(model, rows, target)
            assert score_predictions(metric, predict(model, rows, target)) == pytest.approx(
                expected
            ), metric.name


def test_the_interval_holds_the_score_and_the_same_seed_draws_the_same_resamples() -> None:
    rng = np.random.default_rng(1)
    target = rng.integers(0, 2, size=400)
    predicted = np.where(rng.random(400) < 0.8, target, 1 - target)
    predictions = Predictions(target, predicted, classes=(0, 1))
    accuracy = get_metric("accuracy")
    interval = bootstrap_interval(accuracy, predictions, seed=3)
    assert interval.low < interval.value < interval.high
    assert interval.resamples == 200 and interval.rows == 400
    assert 0.04 < interval.high - interval.low < 0.12  # about 4 standard errors of 2 %
    assert bootstrap_interval(accuracy, predictions, seed=3) == interval
    # Resamples of fewer rows are scaled back to the whole test set's spread.
    narrowed = bootstrap_interval(accuracy, predictions, seed=3, max_rows=100)
    assert narrowed.high - narrowed.low == pytest.approx(interval.high - interval.low, rel=0.5)


def test_a_resample_the_metric_cannot_score_is_left_out() -> None:
    target = np.array([0] * 19 + [1])
    predictions = Predictions(target, target, np.column_stack([1 - target, target]), (0, 1))
    interval = bootstrap_interval(get_metric("roc_auc"), predictions, seed=0)
    assert 0 < interval.resamples < 200  # some resamples hold no positive row
    assert interval.value == 1.0


def preprocessed_iris(drop_class_from_test: int | None = None):
    x_trn, y_trn, x_tst, y_tst = iris_split(drop_class_from_test)
    preprocessor = build_preprocessor(
        x_trn, infer_roles(x_trn, {}), True, 100, target_classes=3, random_state=0
    )
    features_trn, features_tst, pipeline = fit_and_transform(x_trn, y_trn, x_tst, preprocessor)
    model = LogisticRegression(max_iter=500).fit(features_trn, y_trn)
    return model, pipeline, features_trn, y_trn, features_tst, x_tst, y_tst


@pytest.mark.parametrize("missing_class", [None, 2])
def test_a_multiclass_report_holds_every_section_even_without_a_class_in_test(
    missing_class: int | None,
) -> None:
    model, pipeline, features_trn, y_trn, features_tst, x_tst, y_tst = preprocessed_iris(
        missing_class
    )
    metric = get_metric("log_loss")
    scores = {
        "train": metric.score(model, features_trn, y_trn),
        "test": metric.score(model, features_tst, y_tst),
    }
    importance = raw_column_importance(
        Pipeline([("preprocess", pipeline), ("model", model)]), x_tst, y_tst, metric
    )
    assert set(importance) <= set(x_tst.columns)  # raw columns, not encoded features
    predictions = predict(model, features_tst, y_tst)
    evaluation = evaluate(metric, predictions, scores, {"train": 0.5, "test": 0.01}, importance)
    assert [gate.held for gate in evaluation.gates] == [True, False]
    assert evaluation.interval.value == pytest.approx(scores["test"])
    page = evaluation_report("Iris", evaluation, predictions)
    assert sections(page) == list(CLASSIFICATION_SECTIONS)
    assert all(image.startswith(b"\x89PNG") for image in images(page))
    assert len(images(page)) == 6
    assert len(page.encode()) < 1_000_000
    if missing_class is not None:
        assert evaluation.class_support[str(missing_class)] == 0
        assert f"Class {missing_class} has no test rows" in page
        assert "<td>2</td><td>0.000</td><td>0.000</td><td>0.000</td><td>0</td>" in page


def test_a_binary_report_and_a_model_without_probabilities() -> None:
    x_trn, y_trn, x_tst, y_tst = iris_split()
    metric = get_metric("accuracy")
    for model, calibrated in ((LogisticRegression(max_iter=500), True), (LinearSVC(), False)):
        model.fit(x_trn, y_trn == 1)
        predictions = predict(model, x_tst, y_tst == 1)
        score = metric.score(model, x_tst, y_tst == 1)
        evaluation = evaluate(metric, predictions, {"test": score}, {"test": None}, {})
        page = evaluation_report("Binary", evaluation, predictions)
        # Without probabilities, the decision function draws ROC and PR curves.
        assert sections(page) == list(CLASSIFICATION_SECTIONS)
        assert len(images(page)) == (5 if calibrated else 4)  # no importance given
        assert ("no class probabilities" in page) is not calibrated
        assert "No quality gate is set." in page
    model = LinearSVC().fit(x_trn, y_trn)  # several classes: one score column each
    predictions = predict(model, x_tst, y_tst)
    assert predictions.scores is not None and predictions.scores.shape == (len(y_tst), 3)
    evaluation = evaluate(metric, predictions, {"test": 0.9}, {}, {})
    assert sections(evaluation_report("Multiclass", evaluation, predictions)) == list(
        CLASSIFICATION_SECTIONS
    )


def test_a_regression_report_draws_residuals_and_errors_by_decile() -> None:
    features, target = load_diabetes(return_X_y=True, as_frame=True)
    model = Ridge().fit(features[:300], target[:300])
    rows, values = features[300:], target[300:]
    metric = get_metric("rmse")
    scores = {"test": metric.score(model, rows, values)}
    importance = raw_column_importance(model, rows, values, metric, max_rows=100)
    assert len(importance) == 10 and list(importance.values()) == sorted(
        importance.values(), reverse=True
    )
    predictions = predict(model, rows, values)
    evaluation = evaluate(metric, predictions, scores, {"test": 80.0}, importance)
    assert evaluation.gates[0].held  # rmse is lower-is-better: at most 80
    page = evaluation_report("Diabetes", evaluation, predictions)
    assert sections(page) == list(REGRESSION_SECTIONS)
    assert len(images(page)) == 5
    assert "at most 80.0" in page
    assert len(page.encode()) < 1_000_000


def test_the_promotion_report_shows_both_versions_and_the_decision() -> None:
    x_trn, y_trn, x_tst, y_tst = iris_split()
    metric = get_metric("accuracy")
    new = predict(LogisticRegression(max_iter=500).fit(x_trn, y_trn), x_tst, y_tst)
    staged = predict(LogisticRegression(C=0.01, max_iter=500).fit(x_trn, y_trn), x_tst, y_tst)
    new_interval = bootstrap_interval(metric, new, seed=1)
    staged_interval = bootstrap_interval(metric, staged, seed=1)
    decision = decide_by_metric(metric, new_interval.value, staged_interval.value, "1", 0.0)
    page = promotion_report("Promotion", decision, new_interval, "2", staged_interval, "1")
    assert sections(page) == ["decision", "comparison"]
    assert "version 1 (staged)" in page and "version 2 (new)" in page
    assert html.escape(decision.reason) in page
    alone = promotion_report("Promotion", decision, new_interval, "1", None, None)
    assert "version 1 (staged)" not in alone and len(images(alone)) == 1


def test_importance_ranks_the_raw_column_that_carries_the_signal_first(
    mixed_frame, monkeypatch
) -> None:
    import ml.evaluation

    rows, target = mixed_frame.drop(columns="target"), mixed_frame["target"]
    preprocessor = build_preprocessor(
        rows, infer_roles(rows, {}), True, 100, target_classes=2, random_state=0
    )
    features, _, pipeline = fit_and_transform(rows, target, rows, preprocessor)
    model = LogisticRegression().fit(features, target)
    full = Pipeline([("preprocess", pipeline), ("model", model)])
    accuracy = get_metric("accuracy")
    importance = raw_column_importance(full, rows, target, accuracy, seed=4)
    assert list(importance)[0] == "signal"
    assert importance["signal"] > 0.2
    assert abs(importance["noise"]) < 0.05 and abs(importance["colour"]) < 0.05
    # Shuffled copies predicted one at a time score exactly as in large batches.
    monkeypatch.setattr(ml.evaluation, "IMPORTANCE_BATCH_ROWS", 1)
    assert raw_column_importance(full, rows, target, accuracy, seed=4) == importance


def test_label_metrics_of_resamples_are_those_sklearn_computes() -> None:
    from ml.evaluation import LABEL_METRICS, label_resampler

    rng = np.random.default_rng(5)
    target = rng.choice(["a", "b", "c", "d"], size=300, p=[0.5, 0.3, 0.15, 0.05])
    predicted = np.where(rng.random(300) < 0.6, target, rng.choice(["a", "b", "e"], size=300))
    predictions = Predictions(target, predicted, classes=("a", "b", "c", "d", "e"))
    fast = label_resampler(predictions)
    for _ in range(20):
        rows = rng.integers(0, 300, size=rng.integers(5, 300))
        for name in LABEL_METRICS:
            expected = score_predictions(get_metric(name), predictions.subset(rows))
            assert fast(name, rows) == pytest.approx(expected), name
