"""Steps that load, split and preprocess data."""

from steps.etl.data_loader import data_loader
from steps.etl.inference_data_loader import inference_data_loader
from steps.etl.train_data_preprocessor import train_data_preprocessor
from steps.etl.train_data_splitter import train_data_splitter

__all__ = [
    "data_loader",
    "inference_data_loader",
    "train_data_preprocessor",
    "train_data_splitter",
]
