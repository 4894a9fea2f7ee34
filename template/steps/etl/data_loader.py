"""Load the labelled rows that training may use."""

from typing import Annotated

import pandas as pd
from zenml import step

from materializers import FastParquetMaterializer
from ml.data import load_dataset, split_inference_holdout


@step(output_materializers=FastParquetMaterializer)
def data_loader(
    dataset: str,
    dataset_path: str | None,
    target_column: str,
    inference_data_path: str | None,
    inference_share: float,
    random_state: int,
    dataset_version: str | None,
) -> Annotated[pd.DataFrame, "raw_dataset"]:
    """Return the labelled rows, without those held out for batch inference.

    With a separate `inference_data_path`, every labelled row is used for training.
    `dataset_version`, the file's content digest, is not read: as a parameter it
    makes the step cache follow the file's content.
    """
    frame = load_dataset(dataset, dataset_path, target_column)
    if inference_data_path:
        return frame
    training_rows, _ = split_inference_holdout(frame, inference_share, random_state)
    return training_rows
