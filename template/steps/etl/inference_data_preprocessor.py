"""Apply the preprocessing fitted during training to new rows."""

from typing import Annotated

import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import step

from materializers import FastParquetMaterializer
from ml.preprocessing import transform


@step(output_materializers=FastParquetMaterializer)
def inference_data_preprocessor(
    dataset_inf: pd.DataFrame, preprocess_pipeline: Pipeline, target_column: str
) -> Annotated[pd.DataFrame, "features_inf"]:
    """Return the new rows transformed exactly as the training rows were."""
    return transform(preprocess_pipeline, dataset_inf, target_column)
