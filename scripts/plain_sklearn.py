"""The generated project's scikit-learn work as one plain script, for the benchmark.

Same data, hold-out, split, preprocessing, search settings, final fit and predictions as
the default training and batch inference pipelines, without ZenML, MLflow or Evidently.
Run it from inside a rendered project; with --train-only, it stops after the test score.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from ml.data import load_dataset, read_table, split_inference_holdout, split_train_test
from ml.metrics import get_metric
from ml.preprocessing import build_preprocessor, fit_and_transform, transform
from ml.roles import infer_roles
from ml.search import (
    sample_for_search,
    search_family,
    select_best,
    too_many_rows,
    train_candidate,
)
from ml.settings import SearchSettings


def main() -> None:
    """Train the best family as training does, then predict the held-out rows."""
    groups = yaml.safe_load(Path("configs/training.yaml").read_text())["parameters"]
    p = {key: value for group in groups.values() for key, value in group.items()}
    batch = yaml.safe_load(Path("configs/batch_inference.yaml").read_text())["parameters"]
    p["inference_data_path"] = batch["inference_data_path"]
    target = p["target_column"]
    frame = load_dataset(p["dataset"], p["dataset_path"], target)
    if p["inference_data_path"]:  # as training does: every labelled row trains
        rows, held_out = frame, read_table(p["inference_data_path"], "inference_data_path")
    else:
        rows, held_out = split_inference_holdout(frame, p["inference_share"], p["random_state"])
    features, rows_tst, y_trn, y_tst = split_train_test(
        rows, target, p["test_size"], p["random_state"], p["task_type"] == "classification"
    )
    classes = y_trn.nunique() if p["task_type"] == "classification" else 0
    preprocessor = build_preprocessor(
        features,
        infer_roles(features, p["column_roles"]),
        p["normalize"],
        p["max_features"],
        target_classes=classes,
        random_state=p["random_state"],
        drop_columns=p["drop_columns"],
    )
    x_trn, x_tst, preprocessor = fit_and_transform(features, y_trn, rows_tst, preprocessor)
    x_search, y_search = sample_for_search(
        features, y_trn, p["max_rows"], p["task_type"], p["random_state"]
    )
    metric = get_metric(p["metric"])
    search = SearchSettings.model_validate(groups["search"])
    results = [
        search_family(family, search, x_search, y_search, preprocessor, metric, p["random_state"])
        for family, spec in search.model_families.items()
        if too_many_rows(family, spec.max_training_rows, len(features)) is None
    ]
    model = train_candidate(select_best(results, metric), x_trn, y_trn, p["random_state"])
    score = metric.score(model, x_tst, y_tst)
    if "--train-only" in sys.argv:
        print(f"test {metric.name}: {score:.4f}")
        return
    rows_to_predict = held_out.drop(columns=[target], errors="ignore")
    predictions = model.predict(transform(preprocessor, rows_to_predict))
    print(f"test {metric.name}: {score:.4f}; {len(predictions)} predictions")


if __name__ == "__main__":
    main()
