"""Record a firing of the retrain trigger, once the retraining it started has completed."""

from zenml import step

from ml.monitoring import TriggerDecision
from ml.settings import MonitoringConfig
from monitoring.trigger import record_firing


@step(enable_cache=False)
def firing_recorder(decision: TriggerDecision, monitoring: MonitoringConfig) -> None:
    """Record that the trigger fired on the decision's batches: they never count again.

    The monitor pipeline runs it only after the training it started completed, so a
    failed retraining leaves the batches to count again.
    """
    record_firing(monitoring, decision)
