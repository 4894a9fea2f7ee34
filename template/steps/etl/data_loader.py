"""Load the labelled rows that training may use."""

from typing import Annotated

import pandas as pd
from zenml import log_metadata, step

from materializers import FastParquetMaterializer
from ml.data import load_dataset, split_inference_holdout
from ml.settings import DataSettings


@step(output_materializers=FastParquetMaterializer)
def data_loader(
    data: DataSettings, dataset_version: str | None
) -> Annotated[pd.DataFrame, "raw_dataset"]:
    """Return the labelled rows, without those held out for batch inference.

    `dataset_version` is the file's content digest: as a parameter it makes the step
    cache follow the file's content. The data settings and the digest are recorded on
    the returned artifact, so that batch inference finds the rows this version never
    saw from the version itself.
    """
    frame = load_dataset(data.dataset, data.dataset_path, data.target_column)
    training_rows, _ = split_inference_holdout(frame, data.inference_share, data.random_state)
    # ZenML's metadata holds no None: an unset value is left out.
    recorded = {"data_settings": data.model_dump(exclude_none=True)}
    if dataset_version:
        recorded["dataset_version"] = dataset_version
    log_metadata(metadata=recorded, artifact_name="raw_dataset", infer_artifact=True)
    return training_rows
