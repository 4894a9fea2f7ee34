"""Steps that predict with the promoted model version."""

from steps.inference.inference_predict import inference_predict

__all__ = ["inference_predict"]
