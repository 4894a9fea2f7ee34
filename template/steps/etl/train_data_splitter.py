"""Split labelled rows into training and test sets."""

from typing import Annotated

import pandas as pd
from zenml import step

from materializers import FastParquetMaterializer
from ml.data import split_train_test


# One materializer per named output: ZenML spreads a single one over a set of names,
# whose random order changes the cache key from one process to the next.
@step(
    output_materializers={
        "dataset_trn": FastParquetMaterializer,
        "dataset_tst": FastParquetMaterializer,
    }
)
def train_data_splitter(
    dataset: pd.DataFrame,
    target_column: str,
    test_size: float,
    random_state: int,
    task_type: str,
) -> tuple[Annotated[pd.DataFrame, "dataset_trn"], Annotated[pd.DataFrame, "dataset_tst"]]:
    """Return the training and test sets, stratified on the target for classification."""
    train, test = split_train_test(
        dataset, target_column, test_size, random_state, stratify=task_type == "classification"
    )
    return train, test
