"""Plain batch prediction, for the benchmark: read rows, transform, predict, write.

Usage: plain_predict.py MODELS.pkl ROWS.parquet OUT.parquet, where MODELS.pkl holds the
fitted preprocessing pipeline and model that the generated project trained.
"""

from __future__ import annotations

import pickle
import sys

import pandas as pd


def main() -> None:
    """Predict every row of the input file with the pickled pipeline and model."""
    models, rows, out = sys.argv[1:4]
    with open(models, "rb") as handle:
        preprocess_pipeline, model = pickle.load(handle)
    features = preprocess_pipeline.transform(pd.read_parquet(rows))
    pd.Series(model.predict(features), name="target").to_frame().to_parquet(out)


if __name__ == "__main__":
    main()
