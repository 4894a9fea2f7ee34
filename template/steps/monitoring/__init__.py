"""Steps that keep watch on a version once it predicts: estimates, history, retraining."""

from steps.monitoring.batch_recorder import batch_recorder
from steps.monitoring.firing_recorder import firing_recorder
from steps.monitoring.performance_estimator_fitter import performance_estimator_fitter
from steps.monitoring.retrain_trigger import retrain_trigger

__all__ = ["batch_recorder", "firing_recorder", "performance_estimator_fitter", "retrain_trigger"]
