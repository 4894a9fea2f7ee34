"""Write the predictions to the file the user chose."""

import pandas as pd
from zenml import step
from zenml.logger import get_logger

from ml.data import write_table

logger = get_logger(__name__)


@step(enable_cache=False)
def predictions_exporter(predictions: pd.DataFrame, predictions_path: str) -> None:
    """Write the predictions, indexed like the new rows, as CSV or Parquet."""
    path = write_table(predictions, predictions_path, "predictions_path")
    logger.info("Wrote %d predictions to %s.", len(predictions), path)
