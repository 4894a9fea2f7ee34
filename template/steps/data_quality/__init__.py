"""Steps that report on new data and stop inference when its quality is too low."""

from steps.data_quality.drift_quality_gate import drift_quality_gate
from steps.data_quality.drift_report import drift_report

__all__ = ["drift_quality_gate", "drift_report"]
