"""Monitor pipeline: the retrain trigger on the batch history, and training when it fires."""

from zenml import Model, pipeline

from ml.settings import ModelSettings, MonitoringConfig, TrainingParameters
from pipelines.training import retraining
from steps.alerts import notify_on_failure
from steps.monitoring import firing_recorder, retrain_trigger


@pipeline(dynamic=True, enable_cache=False)
def monitor(
    model: ModelSettings,
    training: TrainingParameters,
    monitoring: MonitoringConfig,
    no_cache: bool = False,
) -> None:
    """Check the trigger; when it fires, train a new version as a child run, then record it.

    The child run is the training pipeline with its parameters, for a new version of
    `model`; `no_cache` runs its every step again. The firing is recorded only once that
    training completed: a failed retraining fails this run and leaves the batches to
    count again.
    """
    decision = retrain_trigger(model_name=model.name, monitoring=monitoring)
    if decision.load().fired:
        retraining.with_options(
            model=Model(**model.model_dump(exclude_none=True)),
            enable_cache=False if no_cache else None,
            on_failure=notify_on_failure if training.alerts.notify_on_failures else None,
        )(**dict(training))
        firing_recorder(decision=decision, monitoring=monitoring)
