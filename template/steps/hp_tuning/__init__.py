"""Steps that search hyperparameters per model family and select the best family."""

from steps.hp_tuning.hp_tuning_select_best_model import hp_tuning_select_best_model
from steps.hp_tuning.hp_tuning_single_search import hp_tuning_single_search

__all__ = ["hp_tuning_select_best_model", "hp_tuning_single_search"]
