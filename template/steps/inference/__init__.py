"""Steps that predict with the promoted model version."""

from steps.inference.inference_predict import inference_predict
from steps.inference.online_predict import online_predict
from steps.inference.predictions_exporter import predictions_exporter

__all__ = ["inference_predict", "online_predict", "predictions_exporter"]
