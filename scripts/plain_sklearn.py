"""The generated project's scikit-learn work as one plain script, for the benchmark.

Same data, hold-out, split, preprocessing, search settings, final fit and predictions as
the default training and batch inference pipelines, without ZenML, MLflow or Evidently.
Run it from inside a rendered project.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ml.data import load_dataset, split_inference_holdout, split_train_test
from ml.metrics import get_metric
from ml.preprocessing import fit_and_transform, transform
from ml.search import search_family, select_best, train_candidate


def main() -> None:
    """Train the best family as training does, then predict the held-out rows."""
    p = yaml.safe_load(Path("configs/training.yaml").read_text())["parameters"]
    target = p["target_column"]
    frame = load_dataset(p["dataset"], p["dataset_path"], target)
    rows, held_out = split_inference_holdout(frame, p["inference_share"], p["random_state"])
    train, test = split_train_test(
        rows, target, p["test_size"], p["random_state"], p["task_type"] == "classification"
    )
    features_trn, features_tst, preprocessor = fit_and_transform(
        train, test, target, p["normalize"], p["drop_columns"]
    )
    x_trn, y_trn = features_trn.drop(columns=[target]), features_trn[target]
    metric = get_metric(p["metric"])
    results = [
        search_family(
            family,
            spec,
            x_trn,
            y_trn,
            metric,
            p["search_strategy"],
            p["search_iterations"],
            p["cv_folds"],
            p["random_state"],
        )
        for family, spec in p["model_families"].items()
    ]
    model = train_candidate(select_best(results, metric), x_trn, y_trn, p["random_state"])
    score = metric.score(model, features_tst.drop(columns=[target]), features_tst[target])
    predictions = model.predict(transform(preprocessor, held_out.drop(columns=[target]), target))
    print(f"test {metric.name}: {score:.4f}; {len(predictions)} predictions")


if __name__ == "__main__":
    main()
