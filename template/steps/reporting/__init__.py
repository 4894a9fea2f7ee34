"""Steps that describe a model version for people: its card."""

from steps.reporting.model_card import model_card

__all__ = ["model_card"]
