"""Load the new, unlabelled rows that batch inference predicts."""

from typing import Annotated

import pandas as pd
from zenml import step

from ml.data import load_dataset, split_inference_holdout


@step
def inference_data_loader(
    dataset: str, target_column: str, inference_share: float, random_state: int
) -> Annotated[pd.DataFrame, "inference_dataset"]:
    """Return the held-out rows that training never saw, without their target."""
    frame = load_dataset(dataset, target_column)
    _, held_out = split_inference_holdout(frame, inference_share, random_state)
    return held_out.drop(columns=[target_column])
