"""Steps that keep watch on a version once it predicts: estimates and the batch history."""

from steps.monitoring.batch_recorder import batch_recorder
from steps.monitoring.performance_estimator_fitter import performance_estimator_fitter

__all__ = ["batch_recorder", "performance_estimator_fitter"]
