"""Steps that train and evaluate the model."""

from steps.training.model_evaluator import model_evaluator
from steps.training.model_trainer import model_trainer

__all__ = ["model_evaluator", "model_trainer"]
