"""Plain late labels, for the benchmark: join labels to predictions, compute the metrics.

Usage: plain_labels.py PREDICTIONS.parquet LABELS.parquet, where PREDICTIONS holds
prediction_id, prediction and the class probabilities (proba:CLASS), and LABELS holds
prediction_id and target.
"""

from __future__ import annotations

import sys

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score


def main() -> None:
    """Print accuracy, macro F1 and ROC AUC of the predictions on the labelled rows."""
    predictions, labels = (pd.read_parquet(path) for path in sys.argv[1:3])
    joined = predictions.merge(labels, on="prediction_id")
    truth, predicted = joined["target"].astype(str), joined["prediction"].astype(str)
    print(
        accuracy_score(truth, predicted),
        f1_score(truth, predicted, average="macro"),
        roc_auc_score(truth == "1", joined["proba:1"]),
    )


if __name__ == "__main__":
    main()
