"""Data frames stored as Snappy-compressed Parquet, for large inference batches."""

import os

import pandas as pd
from pandas.api.types import is_numeric_dtype
from zenml.artifact_stores import BaseArtifactStore
from zenml.enums import VisualizationType
from zenml.integrations.pandas.materializers.pandas_materializer import PandasMaterializer

# describe() over a million rows takes seconds; larger frames are summarised from
# evenly spaced rows, at most this many.
VISUALIZED_ROWS = 100_000


class FastParquetMaterializer(PandasMaterializer):
    """Stores data frames as Parquet with Snappy compression.

    ZenML's default compresses with gzip, which on a million-row batch takes about
    seven times longer to write; Snappy files are somewhat larger. The dashboard's
    summary of a large frame is computed from a subset of its rows.
    """

    ASSOCIATED_TYPES = (pd.DataFrame,)

    def __init__(self, uri: str, artifact_store: BaseArtifactStore | None = None) -> None:
        super().__init__(uri, artifact_store)
        self.parquet_path = os.path.join(self.uri, "df.snappy.parquet")

    def save(self, df: pd.DataFrame) -> None:
        """Write `df` to the artifact store as Snappy-compressed Parquet.

        Only non-numeric columns are dictionary-encoded: encoding floats halves the
        write speed and saves next to nothing.
        """
        categorical = [
            str(name) for name, dtype in df.dtypes.items() if not is_numeric_dtype(dtype)
        ]
        with self.artifact_store.open(self.parquet_path, mode="wb") as handle:
            df.to_parquet(handle, compression="snappy", use_dictionary=categorical)

    def save_visualizations(self, df: pd.DataFrame) -> dict[str, VisualizationType]:
        """Save the statistics and sample rows of `df`, or of evenly spaced rows of it."""
        stride = -(-len(df) // VISUALIZED_ROWS)
        return super().save_visualizations(df.iloc[::stride] if stride > 1 else df)
