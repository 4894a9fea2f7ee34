"""Check the retrain trigger on the batch history: the monitor pipeline's first step."""

from typing import Annotated

from zenml import step

from ml.monitoring import TriggerDecision
from ml.settings import MonitoringConfig
from monitoring.trigger import check_trigger


@step(enable_cache=False)
def retrain_trigger(
    model_name: str, monitoring: MonitoringConfig
) -> Annotated[TriggerDecision, "retrain_decision"]:
    """Return whether the trigger fires, why, and on which batches.

    Each batch's figures go to its model version first; a firing is alerted, naming
    the batches and their figures. The history is read as it is now: never cached.
    """
    return check_trigger(model_name, monitoring)
