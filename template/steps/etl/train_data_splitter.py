"""Split labelled rows into training and test sets, features apart from the target."""

from typing import Annotated

import pandas as pd
from zenml import step

from materializers import FastParquetMaterializer
from ml.data import split_train_test
from ml.settings import DataSettings


# One materializer per named output: ZenML spreads a single one over a set of names,
# whose random order changes the cache key from one process to the next.
@step(
    output_materializers={
        "dataset_trn": FastParquetMaterializer,
        "dataset_tst": FastParquetMaterializer,
        "target_trn": FastParquetMaterializer,
        "target_tst": FastParquetMaterializer,
    }
)
def train_data_splitter(
    dataset: pd.DataFrame, data: DataSettings, test_size: float
) -> tuple[
    Annotated[pd.DataFrame, "dataset_trn"],
    Annotated[pd.DataFrame, "dataset_tst"],
    Annotated[pd.Series, "target_trn"],
    Annotated[pd.Series, "target_tst"],
]:
    """Return the training and test rows, and their targets, stratified for classification.

    The target leaves the rows here, once: every later step takes features and target
    apart.
    """
    dataset_trn, dataset_tst, target_trn, target_tst = split_train_test(
        dataset,
        data.target_column,
        test_size,
        data.random_state,
        stratify=data.task_type == "classification",
    )
    return dataset_trn, dataset_tst, target_trn, target_tst
