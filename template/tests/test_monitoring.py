"""Monitoring without ZenML: prediction ids, late labels, estimates and the retrain trigger."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from ml.estimation import PerformanceEstimator
from ml.history import BatchRecord, History, HistoryError
from ml.monitoring import (
    PREDICTION_ID,
    LabelsReport,
    batch_key,
    check_labels,
    current_batches,
    evaluate_trigger,
    own_prediction_ids,
    prediction_ids,
    record_labels,
)
from ml.settings import TriggerSettings

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def record_batch(history: History, number: int, truth: np.ndarray, seed: int) -> pd.DataFrame:
    """Record a batch of predictions that are right about 80% of the time; return its truth."""
    rng = np.random.default_rng(seed)
    key = batch_key("data", number)
    predictions = np.where(rng.random(len(truth)) < 0.8, truth, 1 - truth)
    probability = np.clip(predictions * 0.7 + rng.random(len(truth)) * 0.3, 0, 1)
    stored = pd.DataFrame(
        {
            PREDICTION_ID: prediction_ids(key, len(truth)),
            "prediction": predictions,
            "proba:0": 1 - probability,
            "proba:1": probability,
        }
    )
    record = BatchRecord(
        batch_id=key,
        predicted_at=START + timedelta(days=number),
        model_name="model",
        model_version=1,
        rows=len(truth),
        metric="accuracy",
        classes=["0", "1"],
    )
    history.write_batch(record, stored)
    return stored.assign(truth=truth)


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(str(tmp_path / "history"))


def test_prediction_ids_are_stable_and_unique_across_batches() -> None:
    first = prediction_ids(batch_key("digest", "model", 1), 1000)
    again = prediction_ids(batch_key("digest", "model", 1), 1000)
    other = prediction_ids(batch_key("digest", "model", 2), 1000)
    assert first.is_unique and first.equals(again)
    assert not set(first) & set(other)


def test_own_ids_must_be_complete_and_unique() -> None:
    with pytest.raises(ValueError, match="repeats 1 ids \\(first: 'b'\\)"):
        own_prediction_ids(pd.Series(["a", "b", "b"]), "order_id")
    with pytest.raises(ValueError, match="1 empty values"):
        own_prediction_ids(pd.Series(["a", None]), "order_id")


def test_labels_join_once_and_realize_the_plain_metric(history: History) -> None:
    truth = np.random.default_rng(0).integers(0, 2, 300)
    batch = record_batch(history, 1, truth, seed=1)
    labels = pd.DataFrame({PREDICTION_ID: batch[PREDICTION_ID], "target": batch["truth"]})

    first_half = check_labels(labels.iloc[:150], PREDICTION_ID, "target", "classification", "f")
    report = record_labels(history, first_half, "classification", by_key=True, source="f")
    assert report.matched == {batch_key("data", 1): 150}
    record = history.batches()[0]
    assert record.labelled_rows == 150 and record.labelled_share == 0.5
    rows = batch.iloc[:150]
    assert record.realized["accuracy"] == pytest.approx(
        accuracy_score(rows["truth"], rows["prediction"])
    )
    assert record.realized["f1"] == pytest.approx(
        f1_score(rows["truth"], rows["prediction"], average="macro")
    )
    assert record.realized["roc_auc"] == pytest.approx(
        roc_auc_score(rows["truth"], rows["proba:1"])
    )

    # The whole file again, and two ids nobody predicted: the repeats count once.
    unknown = pd.DataFrame({PREDICTION_ID: ["nobody-1", "nobody-2"], "target": [0, 1]})
    everything = check_labels(
        pd.concat([labels, unknown]), PREDICTION_ID, "target", "classification", "f"
    )
    report = record_labels(history, everything, "classification", by_key=True, source="f")
    assert report.repeated == 150 and report.changed == 0
    assert report.unknown == ["nobody-1", "nobody-2"]
    assert "2 ids match no recorded prediction ('nobody-1', 'nobody-2')" in report.describe()[-1]
    record = history.batches()[0]
    assert record.labelled_rows == 300
    assert record.realized["accuracy"] == pytest.approx(
        accuracy_score(batch["truth"], batch["prediction"])
    )


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (pd.DataFrame({PREDICTION_ID: ["a"]}), "has no column 'target'"),
        (pd.DataFrame({"id": ["a"], "target": [1]}), "has no column 'prediction_id'"),
        (pd.DataFrame({PREDICTION_ID: [], "target": []}), "holds no labels"),
        (pd.DataFrame({PREDICTION_ID: ["a", "a"], "target": [0, 1]}), "two different labels"),
        (pd.DataFrame({PREDICTION_ID: ["a", None], "target": [0, 1]}), "1 empty ids or labels"),
    ],
)
def test_bad_labels_are_refused_in_one_line(labels: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        check_labels(labels, PREDICTION_ID, "target", "classification", "labels.csv")
    assert "\n" not in str(error.value)


def test_a_text_label_for_a_regression_is_refused() -> None:
    labels = pd.DataFrame({PREDICTION_ID: ["a", "b"], "target": [1.5, "high"]})
    with pytest.raises(ValueError, match="must be numeric for regression, and holds 'high'"):
        check_labels(labels, PREDICTION_ID, "target", "regression", "labels.csv")


def test_a_refused_file_loses_nothing(history: History) -> None:
    truth = np.zeros(10, dtype=int)
    batch = record_batch(history, 1, truth, seed=2)
    labels = pd.DataFrame({PREDICTION_ID: batch[PREDICTION_ID], "target": truth})
    record_labels(history, check_labels(labels, PREDICTION_ID, "target", "classification", "f"),
                  "classification", by_key=True, source="f")  # fmt: skip
    before = history.batches()[0]
    with pytest.raises(ValueError):
        check_labels(labels.assign(target=None), PREDICTION_ID, "target", "classification", "f")
    assert history.batches()[0] == before


def records(metrics: list[float | None], drifted: list[float] | None = None) -> list[BatchRecord]:
    return [
        BatchRecord(
            batch_id=f"b{number}",
            predicted_at=START + timedelta(days=number),
            model_name="model",
            model_version=1,
            rows=100,
            metric="accuracy",
            estimated=value,
            drifted_share=(drifted or [0.0] * len(metrics))[number],
            drifted_columns=["a"] if drifted and drifted[number] else [],
        )
        for number, value in enumerate(metrics)
    ]


TRIGGER = TriggerSettings(
    metric_threshold=0.8, max_drifted_share=0.3, min_labelled_share=0.5, breaches=2, window=3
)


def test_the_trigger_fires_when_k_of_n_and_the_latest_breach() -> None:
    batches = records([0.9, 0.7, 0.9, 0.75, 0.9])
    decisions = [evaluate_trigger(batches[: n + 1], TRIGGER, set()) for n in range(len(batches))]
    assert [decision.fired for decision in decisions] == [False, False, False, True, False]
    assert decisions[3].batches == ["b1", "b3"]
    assert "b3 (version 1): estimated accuracy 0.7500 is below 0.8" in decisions[3].reason


def test_a_fired_trigger_waits_for_new_batches() -> None:
    batches = records([0.7, 0.7])
    first = evaluate_trigger(batches, TRIGGER, set())
    assert first.fired
    assert not evaluate_trigger(batches, TRIGGER, set(first.batches)).fired
    # One new breaching batch is not enough: the earlier ones do not count again.
    more = records([0.7, 0.7, 0.7])
    assert not evaluate_trigger(more, TRIGGER, set(first.batches)).fired
    assert evaluate_trigger(records([0.7] * 4), TRIGGER, set(first.batches)).fired


def test_drift_alone_breaches_from_the_share_it_names() -> None:
    assert not evaluate_trigger(records([0.9, 0.9], [0.2, 0.25]), TRIGGER, set()).fired
    assert evaluate_trigger(records([0.9, 0.9], [0.3, 0.5]), TRIGGER, set()).fired


def test_the_realized_metric_replaces_the_estimate_once_labelled_enough() -> None:
    [batch] = records([0.9])
    labelled = batch.model_copy(update={"realized": {"accuracy": 0.6}, "labelled_rows": 60})
    partly = batch.model_copy(update={"realized": {"accuracy": 0.6}, "labelled_rows": 10})
    assert evaluate_trigger([partly, partly], TRIGGER, set()).fired is False
    assert evaluate_trigger([labelled, labelled], TRIGGER, set()).fired is True


def test_the_estimate_is_close_to_the_realized_metric_on_unshifted_rows() -> None:
    features, target = load_breast_cancer(return_X_y=True, as_frame=True)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(target))
    train, test, new = order[:250], order[250:410], order[410:]
    model = LogisticRegression(max_iter=5000).fit(features.iloc[train], target.iloc[train])
    for metric in ("accuracy", "f1", "roc_auc"):
        estimator = PerformanceEstimator("classification", metric, ["0", "1"]).fit(
            features.iloc[test],
            model.predict(features.iloc[test]),
            model.predict_proba(features.iloc[test]),
            target.iloc[test],
        )
        rows = features.iloc[new]
        estimate = estimator.estimate(rows, model.predict(rows), model.predict_proba(rows))
        realized = {
            "accuracy": accuracy_score(target.iloc[new], model.predict(rows)),
            "f1": f1_score(target.iloc[new], model.predict(rows), average="macro"),
            "roc_auc": roc_auc_score(target.iloc[new], model.predict_proba(rows)[:, 1]),
        }[metric]
        assert estimate is not None
        assert abs(estimate.value - realized) < 0.05, (metric, estimate, realized)
        assert estimate.lower <= estimate.value <= estimate.upper


def test_log_loss_is_not_estimated() -> None:
    estimator = PerformanceEstimator("classification", "log_loss", ["0", "1"])
    assert not estimator.estimable
    assert estimator.estimate(pd.DataFrame(), np.array([0]), np.array([[0.5, 0.5]])) is None


def labelled(batch: pd.DataFrame, values: object) -> pd.DataFrame:
    labels = pd.DataFrame({PREDICTION_ID: batch[PREDICTION_ID], "target": values})
    return check_labels(labels, PREDICTION_ID, "target", "classification", "f")


def test_labels_in_another_spelling_of_a_class_are_read_and_others_refused(
    history: History,
) -> None:
    truth = np.random.default_rng(3).integers(0, 2, 50)
    batch = record_batch(history, 1, truth, seed=3)
    record_labels(history, labelled(batch, truth.astype(float)), "classification", True, "f")
    record = history.batches()[0]
    assert record.realized["accuracy"] == pytest.approx(accuracy_score(truth, batch["prediction"]))
    with pytest.raises(ValueError, match="'yes' is not a class of model version 1 \\(0, 1\\)"):
        record_labels(history, labelled(batch, "yes"), "classification", True, "f")
    assert history.batches()[0] == record
    assert history.labels(record.batch_id)["label"].tolist() == truth.astype(str).tolist()


def test_own_ids_in_two_batches_are_refused_and_change_nothing(history: History) -> None:
    truth = np.zeros(20, dtype=int)
    first = record_batch(history, 1, truth, seed=4)
    second = record_batch(history, 2, truth, seed=5)
    # Own ids, as a user's id_column gives them: the same customers in both batches.
    for batch_id in (first[PREDICTION_ID].iloc[0][:12], second[PREDICTION_ID].iloc[0][:12]):
        stored = history.predictions(batch_id)
        history._write_frame(  # the test rewrites the ids as a user's own
            f"{batch_id}.predictions.parquet",
            stored.assign(**{PREDICTION_ID: [f"customer-{n}" for n in range(20)]}),
        )
    labels = pd.DataFrame({PREDICTION_ID: [f"customer-{n}" for n in range(20)], "target": 0})
    checked = check_labels(labels, PREDICTION_ID, "target", "classification", "f")
    with pytest.raises(ValueError, match="belongs to more than one batch"):
        record_labels(history, checked, "classification", by_key=False, source="f")
    assert all(record.labelled_rows == 0 for record in history.batches())


def test_a_damaged_record_is_named_in_one_line(history: History) -> None:
    record_batch(history, 1, np.zeros(5, dtype=int), seed=6)
    [path] = Path(history.root, "batches").glob("*[0-9a-f].json")
    path.write_text(path.read_text()[:40])
    with pytest.raises(HistoryError, match=f"{path} is damaged .*: restore it") as error:
        history.batches()
    assert "\n" not in str(error.value)


def test_two_label_runs_at_once_both_land(history: History) -> None:
    truth = np.random.default_rng(7).integers(0, 2, 400)
    batch = record_batch(history, 1, truth, seed=7)
    halves = [labelled(batch.iloc[:200], truth[:200]), labelled(batch.iloc[200:], truth[200:])]
    start = threading.Barrier(2)

    def record(labels: pd.DataFrame) -> LabelsReport:
        start.wait()
        return record_labels(history, labels, "classification", by_key=True, source="f")

    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(record, halves))
    assert [report.matched for report in reports] == [{batch_key("data", 1): 200}] * 2
    [record] = current_batches(history)
    assert record.labelled_rows == 400 and len(record.label_parts) == 2
    assert record.realized["accuracy"] == pytest.approx(accuracy_score(truth, batch["prediction"]))
    assert history.batches() == [record]  # written back: the next reader finds it current


def test_a_record_that_missed_a_part_is_brought_up_to_date(history: History) -> None:
    truth = np.random.default_rng(8).integers(0, 2, 100)
    batch = record_batch(history, 1, truth, seed=8)
    record_labels(history, labelled(batch.iloc[:50], truth[:50]), "classification", True, "f")
    # Another run's part that landed after this record was written, as two runs at once do.
    history.add_labels(
        batch_key("data", 1),
        labelled(batch.iloc[50:], truth[50:]).assign(label=truth[50:].astype(str)),
    )
    assert history.batches()[0].labelled_rows == 50
    [record] = current_batches(history)
    assert record.labelled_rows == 100
    assert record.realized["accuracy"] == pytest.approx(accuracy_score(truth, batch["prediction"]))


def test_a_changed_label_in_a_later_part_wins(history: History) -> None:
    truth = np.zeros(10, dtype=int)
    batch = record_batch(history, 1, truth, seed=9)
    record_labels(history, labelled(batch, truth), "classification", True, "f")
    flipped = truth.copy()
    flipped[:3] = 1
    report = record_labels(history, labelled(batch, flipped), "classification", True, "f")
    assert report.changed == 3 and report.repeated == 7
    record = history.batches()[0]
    assert record.labelled_rows == 10 and len(record.label_parts) == 2
    merged = history.labels(record.batch_id).set_index(PREDICTION_ID)["label"]
    assert merged[batch[PREDICTION_ID]].tolist() == flipped.astype(str).tolist()
    accuracy = accuracy_score(flipped, batch["prediction"])
    assert record.realized["accuracy"] == pytest.approx(accuracy)
    # The same file again adds no part: nothing is new.
    record_labels(history, labelled(batch, flipped), "classification", True, "f")
    assert history.label_parts(record.batch_id) == record.label_parts


def test_labels_from_before_parts_still_count(history: History) -> None:
    truth = np.random.default_rng(10).integers(0, 2, 30)
    batch = record_batch(history, 1, truth, seed=10)
    # A batch labelled by an older version of the project: one labels file, no parts.
    labels = labelled(batch, truth).assign(label=truth.astype(str))
    history._write_frame(f"{batch_key('data', 1)}.labels.parquet", labels)  # the older layout
    [record] = current_batches(history)
    assert record.labelled_rows == 30
    assert record.label_parts == [f"{batch_key('data', 1)}.labels.parquet"]


def test_a_damaged_labels_part_is_named_in_one_line(history: History) -> None:
    truth = np.zeros(10, dtype=int)
    batch = record_batch(history, 1, truth, seed=11)
    record_labels(history, labelled(batch, truth), "classification", True, "f")
    [part] = Path(history.root, "batches").glob("*.labels.*.parquet")
    part.write_bytes(b"not parquet")
    with pytest.raises(HistoryError, match=f"{part} is damaged .*: restore it") as error:
        record_labels(history, labelled(batch, truth), "classification", True, "f")
    assert "\n" not in str(error.value)
