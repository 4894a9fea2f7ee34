"""How the project's artifacts are stored, where ZenML's defaults do not fit."""

from materializers.fast_parquet import FastParquetMaterializer

__all__ = ["FastParquetMaterializer"]
