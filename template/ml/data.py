"""Loading the dataset and setting aside the rows that training never sees."""

from __future__ import annotations

import pandas as pd

BUNDLED_DATASETS = {
    "breast_cancer": "load_breast_cancer",
    "wine": "load_wine",
    "iris": "load_iris",
    "digits": "load_digits",
    "diabetes": "load_diabetes",
}


def load_dataset(name: str, target_column: str) -> pd.DataFrame:
    """Return a bundled dataset as one frame whose label is in `target_column`."""
    if name not in BUNDLED_DATASETS:
        known = ", ".join(sorted(BUNDLED_DATASETS))
        raise ValueError(
            f"Unknown dataset '{name}'. Bundled datasets are: {known}. "
            "Set `dataset` in configs/training.yaml and configs/inference.yaml."
        )
    from sklearn import datasets

    bunch = getattr(datasets, BUNDLED_DATASETS[name])(as_frame=True)
    return bunch.frame.rename(columns={bunch.target.name: target_column})


def split_inference_holdout(
    frame: pd.DataFrame, inference_share: float, random_state: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split off a fixed, seeded share of rows for batch inference.

    Returns the rows left for training and the held-out rows, in that order; the same
    seed always holds out the same rows, so training never sees the inference data.
    """
    if not 0.0 < inference_share < 1.0:
        raise ValueError(f"inference_share must be between 0 and 1, got {inference_share}.")
    held_out = frame.sample(frac=inference_share, random_state=random_state)
    return frame.drop(index=held_out.index), held_out


def split_train_test(
    frame: pd.DataFrame,
    target_column: str,
    test_size: float,
    random_state: int,
    stratify: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split labelled rows into a training and a test frame, stratified on request."""
    from sklearn.model_selection import train_test_split

    if target_column not in frame.columns:
        raise ValueError(
            f"Target column '{target_column}' is not in the data; "
            f"columns are: {', '.join(map(str, frame.columns))}."
        )
    train, test = train_test_split(
        frame,
        test_size=test_size,
        random_state=random_state,
        stratify=frame[target_column] if stratify else None,
    )
    return train, test
