"""Record batches of predictions in the project's history, through its stack's store.

Runs inside a rendered project: each argument is a Parquet file of predictions
(prediction_id, prediction, proba:CLASS) named by its batch id; the batches are
recorded a day apart, as predicted by version 1 of a binary classifier. Prints the
history's root.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

# Runs with the project on PYTHONPATH.
from ml.history import BatchRecord, History
from ml.settings import MonitoringConfig, load_settings


def main(paths: list[str]) -> None:
    """Record each file's predictions as a batch of the history."""
    history = History(load_settings("monitoring", MonitoringConfig).history_path)
    for number, path in enumerate(paths):
        predictions = pd.read_parquet(path)
        record = BatchRecord(
            batch_id=Path(path).stem,
            predicted_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=number),
            model_name="model",
            model_version=1,
            rows=len(predictions),
            metric="accuracy",
            classes=["0", "1"],
        )
        history.write_batch(record, predictions)
    print(history.root)


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(0)
