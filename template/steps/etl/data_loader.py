"""Load the labelled rows that training may use."""

from typing import Annotated

import pandas as pd
from zenml import step

from ml.data import load_dataset, split_inference_holdout


@step
def data_loader(
    dataset: str, target_column: str, inference_share: float, random_state: int
) -> Annotated[pd.DataFrame, "raw_dataset"]:
    """Return the dataset without the rows held out for batch inference."""
    frame = load_dataset(dataset, target_column)
    training_rows, _ = split_inference_holdout(frame, inference_share, random_state)
    return training_rows
