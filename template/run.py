"""Command line of the project: train, promote, serve and batch-predict."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ml import PROJECT_ROOT
from ml.data import start_file_version
from ml.settings import (
    CONFIGS,
    AlertSettings,
    BatchInferenceConfig,
    MonitoringConfig,
    ServingConfig,
    TrainingConfig,
    load_settings,
)
from upstream import cache_package_lookups, exit_without_teardown

if TYPE_CHECKING:
    from concurrent.futures import Future

    from zenml.pipelines.pipeline_definition import Pipeline

    from serving.deploy import ServingState

STILL_STARTING = (
    "The online service was still starting: `python -m serving status` says whether it answers."
)


def check_stack() -> None:
    """Fail early, naming the missing component, when the stack cannot run the project."""
    from zenml.client import Client

    from stack.components import SETUP_HINT

    stack = Client().active_stack
    tracker = stack.experiment_tracker
    if tracker is None or tracker.flavor != "mlflow":
        raise click.ClickException(
            f"The active ZenML stack '{stack.name}' has no MLflow experiment tracker, "
            f"which training needs. {SETUP_HINT}"
        )


def require_staged_version(
    training: TrainingConfig, after_training: bool, alerts: AlertSettings
) -> None:
    """Stop before serving or predicting when no version holds the target stage."""
    from zenml.client import Client

    name, stage = training.model.name, training.parameters.promotion.target_environment
    try:
        Client().get_model_version(name, stage)
    except KeyError:
        why = (
            "the version just trained missed its quality gates (the log names each one), "
            "so nothing can serve or predict. Improve the model or lower the thresholds "
            "under quality_gates in configs/training.yaml, then run again."
            if after_training
            else "train and promote one first with `python run.py --only-training`."
        )
        message = f"No version of '{name}' holds the stage '{stage}': {why}"
        if alerts.notify_on_failures and not after_training:
            from stack.components import post_alert

            post_alert(f"Batch inference did not run. {message}")
        raise click.ClickException(message) from None


def report_serving(
    started: Future[ServingState], config: ServingConfig, alerts: AlertSettings
) -> str | None:
    """Wait for the service started by `start_serving`; say and alert what became of it.

    Returns None when it serves, or the failure in one line.
    """
    from stack.components import post_alert

    try:
        state = started.result()
    except BaseException as error:  # noqa: BLE001 - alert, then one line for the user
        message = f"Serving failed: {type(error).__name__}: {error}"
        if alerts.notify_on_failures:
            post_alert(message)
        return message
    click.echo(state.describe(config))
    if alerts.notify_on_successes:
        post_alert(f"Online serving: {state.describe(config)}")
    return None


def run_pipeline(
    pipeline: Pipeline,
    parameters: dict[str, Any],
    model: dict[str, Any] | None,
    alerts: AlertSettings,
    no_cache: bool,
    schedule: str | None = None,
) -> None:
    """Run one pipeline with its validated parameters, for the ZenML model `model` if any.

    With `schedule`, a cron expression, the orchestrator runs it on that schedule instead.
    A failure names the failed step, in this run or in a run it started (the monitor's
    training).
    """
    from zenml import Model

    from ml.contract import ContractViolation
    from ml.data import DataError
    from ml.history import HistoryError
    from upstream import failed_steps_without_traceback

    failed_steps_without_traceback((DataError, ContractViolation, HistoryError))
    options: dict[str, Any] = {
        "parameters": parameters,
        "settings": {"docker": load_docker_settings()},
    }
    if model is not None:
        options["model"] = Model(**model)
    if no_cache:
        options["enable_cache"] = False
    if schedule:
        from zenml.config.schedule import Schedule

        options["schedule"] = Schedule(cron_expression=schedule)
    if alerts.notify_on_failures:
        from steps.alerts import notify_on_failure

        options["on_failure"] = notify_on_failure
    if not schedule:
        # A name of its own, to find this run's record (and only this run's) on failure;
        # a schedule keeps ZenML's names, which differ from one scheduled run to the next.
        options["run_name"] = f"{pipeline.name}-{datetime.now():%Y_%m_%d-%H_%M_%S_%f}"
    try:
        pipeline.with_options(**options)()
    except (Exception, KeyboardInterrupt) as error:
        from stack.components import child_runs, last_failure
        from stack.stages import discard_untrained_version

        interrupted = isinstance(error, KeyboardInterrupt)
        run_name = options.get("run_name")
        # The runs this one started failed first: their failures say more.
        runs = [*child_runs(run_name), run_name] if run_name else []
        for name in runs:
            discard_untrained_version(name, interrupted_here=interrupted)
        if interrupted:
            raise
        first_line = (str(error).strip().splitlines() or [""])[0]
        cause = next(filter(None, map(last_failure, runs)), None)
        where = f" in {cause}" if cause else f": {type(error).__name__}: {first_line}"
        raise click.ClickException(f"Pipeline {pipeline.name} failed{where}") from None


def batch_parameters(batch: BatchInferenceConfig, monitoring: MonitoringConfig) -> dict[str, Any]:
    """Return the parameters of the batch inference pipeline: its settings and monitoring's."""
    return {**dict(batch.parameters), "monitoring": monitoring}


def predict_while_serving(
    training: TrainingConfig,
    batch: BatchInferenceConfig | None,
    monitoring: MonitoringConfig,
    serving: ServingConfig | None,
    no_cache: bool,
) -> None:
    """Start the service, run batch inference while it starts, then say how both went.

    Deployment happens here, on the client, rather than in a pipeline step: a
    containerised deployer needs the image that only the client builds. A batch
    inference that fails or is interrupted does not wait for a service still starting:
    the service keeps starting, and the run says how to check on it.
    """
    from pipelines.batch_inference import batch_inference

    started = None
    if serving is not None:
        from serving.deploy import start_serving

        started = start_serving(serving)
    failures = []
    if batch is not None:
        staged = {
            "name": training.model.name,
            "version": training.parameters.promotion.target_environment,
        }
        try:
            run_pipeline(
                batch_inference,
                batch_parameters(batch, monitoring),
                staged,
                batch.parameters.alerts,
                no_cache,
            )
        except (click.ClickException, KeyboardInterrupt) as error:
            if started is not None and not started.done():
                click.echo(STILL_STARTING, err=True)
                started = None
            if isinstance(error, KeyboardInterrupt):
                raise
            failures.append(error.message)
    if serving is not None and started is not None:
        serving_failure = report_serving(started, serving, training.parameters.alerts)
        if serving_failure is not None:
            failures.append(serving_failure)
    if failures:
        raise click.ClickException("\n".join(failures))


def load_docker_settings(folder: Path = CONFIGS) -> dict[str, Any]:
    """Return configs/docker.yaml, validated as ZenML's Docker settings for containerised steps.

    ZenML's own model ignores a key it does not know; here a misspelled one stops the
    run, naming the key and the file.
    """
    from pydantic import ConfigDict
    from zenml.config import DockerSettings

    class DockerFile(DockerSettings):
        """ZenML's Docker settings, refusing keys it does not know."""

        model_config = ConfigDict(extra="forbid")

    return load_settings("docker", DockerFile, folder).model_dump(exclude_unset=True)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--only-training", is_flag=True, help="Train and promote only; do not serve or predict."
)
@click.option(
    "--only-inference", is_flag=True, help="Run batch inference only, with the promoted model."
)
@click.option(
    "--labels",
    "labels_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Record late labels (CSV or Parquet: prediction_id and the target) against the "
    "batches they belong to.",
)
@click.option(
    "--monitor",
    is_flag=True,
    help="Check the retrain trigger of configs/monitoring.yaml; retrain when it fires.",
)
@click.option(
    "--schedule",
    is_flag=True,
    help="Register batch inference and the monitor on the orchestrator's schedule "
    "(configs/monitoring.yaml).",
)
@click.option("--no-cache", is_flag=True, help="Run every step again instead of reusing results.")
@click.option("--no-normalize", is_flag=True, help="Do not standardise numeric features.")
@click.option(
    "--drop-columns",
    default="",
    help="Comma-separated feature columns to leave out of training.",
)
@click.option(
    "--test-size",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="Share of labelled rows held out as the test set.",
)
@click.option("--train-threshold", type=float, help="Quality gate on the training-set metric.")
@click.option("--test-threshold", type=float, help="Quality gate on the test-set metric.")
@click.option(
    "--fail-on-quality-gates",
    is_flag=True,
    help="Fail training when a quality gate is missed, instead of only not promoting.",
)
def main(
    only_training: bool,
    only_inference: bool,
    labels_path: str | None,
    monitor: bool,
    schedule: bool,
    no_cache: bool,
    no_normalize: bool,
    drop_columns: str,
    test_size: float | None,
    train_threshold: float | None,
    test_threshold: float | None,
    fail_on_quality_gates: bool,
) -> None:
    """Train and promote a model, serve it online, and predict new data with it.

    Pipelines read their settings from configs/; the options below override them
    for one run.
    """
    chosen = [
        name
        for name, on in (
            ("--only-training", only_training),
            ("--only-inference", only_inference),
            ("--labels", labels_path),
            ("--monitor", monitor),
            ("--schedule", schedule),
        )
        if on
    ]
    if len(chosen) == 2:
        raise click.UsageError(f"Choose {chosen[0]} or {chosen[1]}, not both.")
    if len(chosen) > 2:
        raise click.UsageError(f"Choose one of {', '.join(chosen)}, not several.")
    if labels_path:
        from monitoring.labels import record_late_labels

        record_late_labels(
            labels_path,
            load_settings("training", TrainingConfig),
            load_settings("monitoring", MonitoringConfig),
        )
        return
    training = with_overrides(
        load_settings("training", TrainingConfig),
        preprocessing={
            "test_size": test_size,
            "normalize": False if no_normalize else None,
            "drop_columns": [c.strip() for c in drop_columns.split(",") if c.strip()] or None,
        },
        quality_gates={
            "train_threshold": train_threshold,
            "test_threshold": test_threshold,
            "fail_on_quality_gates": True if fail_on_quality_gates else None,
        },
    )
    monitoring = load_settings("monitoring", MonitoringConfig)
    if schedule:
        schedule_runs(training, load_settings("batch_inference", BatchInferenceConfig), monitoring)
        return
    if monitor:
        check_stack()
        cache_package_lookups()
        run_monitor(training, monitoring, no_cache)
        return
    batch = None if only_training else load_settings("batch_inference", BatchInferenceConfig)
    serving = None if only_training or only_inference else ServingConfig.load()

    if not only_inference:
        start_file_version(training.parameters.data.dataset_path)
    if batch is not None:
        start_file_version(batch.parameters.inference_data_path)
    cache_package_lookups()
    check_stack()
    parameters = training.parameters
    if not only_inference:
        from pipelines.training import training as training_pipeline

        model = training.model.model_dump(exclude_none=True)
        run_pipeline(training_pipeline, dict(parameters), model, parameters.alerts, no_cache)
    if batch is not None:
        require_staged_version(training, not only_inference, batch.parameters.alerts)
    predict_while_serving(training, batch, monitoring, serving, no_cache)


def monitor_parameters(
    training: TrainingConfig, monitoring: MonitoringConfig, no_cache: bool
) -> dict[str, Any]:
    """Return the parameters of the monitor pipeline: training's settings and monitoring's."""
    return {
        "model": training.model,
        "training": training.parameters,
        "monitoring": monitoring,
        "no_cache": no_cache,
    }


def run_monitor(training: TrainingConfig, monitoring: MonitoringConfig, no_cache: bool) -> None:
    """Run the monitor pipeline: the retrain trigger, and training as a child run if it fires.

    ZenML runs the monitor as a dynamic pipeline; an orchestrator that runs none (Kubeflow,
    Airflow) has the trigger checked here and the training run started from here instead.
    """
    from zenml.client import Client

    alerts = training.parameters.alerts
    if Client().active_stack.orchestrator.supports_dynamic_pipelines:
        from pipelines.monitor import monitor

        run_pipeline(
            monitor, monitor_parameters(training, monitoring, no_cache), None, alerts, no_cache
        )
        return
    from ml.history import HistoryError
    from monitoring.trigger import check_trigger, record_firing

    try:
        decision = check_trigger(training.model.name, monitoring)
    except HistoryError as error:
        raise click.ClickException(str(error)) from None
    if decision.fired:
        from pipelines.training import training as training_pipeline

        model = training.model.model_dump(exclude_none=True)
        run_pipeline(training_pipeline, dict(training.parameters), model, alerts, no_cache)
        record_firing(monitoring, decision)


def schedule_runs(
    training: TrainingConfig, batch: BatchInferenceConfig, monitoring: MonitoringConfig
) -> None:
    """Register batch inference and the monitor on the orchestrator's schedule.

    An orchestrator that takes no schedules gets the crontab lines to use instead. The
    monitor is a dynamic pipeline: where the orchestrator cannot schedule one (ZenML
    0.98 schedules them on Kubernetes only), batch inference is registered and the
    monitor's crontab line printed, with the reason.
    """
    from zenml.client import Client

    from monitoring.trigger import crontab_lines
    from pipelines.batch_inference import batch_inference

    orchestrator = Client().active_stack.orchestrator
    lines = crontab_lines(monitoring.schedule, PROJECT_ROOT)
    if not orchestrator.config.is_schedulable:
        raise click.ClickException(
            f"The {orchestrator.flavor} orchestrator takes no schedules: add these lines "
            f"with `crontab -e` instead: {lines[0]}  and  {lines[1]}"
        )
    staged = {
        "name": training.model.name,
        "version": training.parameters.promotion.target_environment,
    }
    run_pipeline(
        batch_inference,
        batch_parameters(batch, monitoring),
        staged,
        batch.parameters.alerts,
        no_cache=False,
        schedule=monitoring.schedule.batch_inference,
    )
    where = f"on the {orchestrator.flavor} orchestrator"
    registered = f"Batch inference runs {where} at '{monitoring.schedule.batch_inference}'"
    if not orchestrator.supports_dynamic_pipelines:
        click.echo(
            f"{registered}. The monitor is a dynamic pipeline, which the {orchestrator.flavor} "
            f"orchestrator does not run: add to a crontab or a CI schedule: {lines[1]}"
        )
        return
    from pipelines.monitor import monitor

    try:
        run_pipeline(
            monitor,
            monitor_parameters(training, monitoring, no_cache=False),
            None,
            training.parameters.alerts,
            no_cache=False,
            schedule=monitoring.schedule.monitor,
        )
    except click.ClickException as error:
        click.echo(
            f"{registered}. The monitor is not on its schedule ({error.message}): add to a "
            f"crontab or a CI schedule: {lines[1]}"
        )
        return
    click.echo(f"{registered}, and the monitor at '{monitoring.schedule.monitor}'.")


def with_overrides(training: TrainingConfig, **groups: dict[str, Any]) -> TrainingConfig:
    """Return the training settings with the command line's values set (None: unset)."""
    from pydantic import ValidationError

    parameters = training.parameters
    update = {}
    for group, values in groups.items():
        chosen = {key: value for key, value in values.items() if value is not None}
        if chosen:
            current = getattr(parameters, group)
            try:
                update[group] = type(current).model_validate({**current.model_dump(), **chosen})
            except ValidationError as error:
                problem = error.errors()[0]
                key = str(problem["loc"][0]) if problem["loc"] else group
                raise click.BadParameter(
                    problem["msg"], param_hint="--" + key.replace("_", "-")
                ) from None
    return training.model_copy(update={"parameters": parameters.model_copy(update=update)})


if __name__ == "__main__":
    exit_without_teardown(main)
