"""`python run.py --monitor`: the retrain trigger, checked on the batch history."""

from __future__ import annotations

import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from ml.history import BatchRecord, History, HistoryError
from ml.monitoring import TriggerDecision, evaluate_trigger
from ml.settings import MonitoringConfig, ScheduleSettings, TrainingConfig


def check_trigger(training: TrainingConfig, monitoring: MonitoringConfig) -> TriggerDecision:
    """Say whether the trigger fires and why, and alert when it fires.

    The online service's days that are over become batches first (monitoring.online),
    and each batch's figures go to its model version's metadata.
    """
    from monitoring.online import close_online_days
    from stack.components import post_alert

    close_online_days(History(monitoring.history_path), monitoring.estimate_rows)
    _, records, decision = read_history(monitoring)
    log_batches_to_versions(records)
    if not decision.fired:
        click.echo(f"The retrain trigger holds: {decision.reason}.")
        return decision
    message = f"Retraining '{training.model.name}': {decision.reason}."
    click.echo(message)
    click.echo(
        "Training reads the data that configs/training.yaml names: add the batches' labelled "
        "rows to it, or the new version learns nothing the last one did not."
    )
    post_alert(message)
    return decision


def read_history(
    monitoring: MonitoringConfig,
) -> tuple[History, list[BatchRecord], TriggerDecision]:
    """Return the history, its batches, and what the trigger decides on them now.

    A damaged history, or one the stack cannot reach, stops the command in one line.
    """
    history = History(monitoring.history_path)
    try:
        records = history.batches()
        return (
            history,
            records,
            evaluate_trigger(records, monitoring.trigger, fired_batches(history)),
        )
    except HistoryError as error:
        raise click.ClickException(str(error)) from None


def fired_batches(history: History) -> set[str]:
    """Return the batches on which the trigger has fired: they never count again."""
    return {batch for firing in history.trigger_state()["fired"] for batch in firing["batches"]}


def record_firing(monitoring: MonitoringConfig, decision: TriggerDecision) -> None:
    """Record that the trigger fired on these batches, once the retraining has run."""
    history = History(monitoring.history_path)
    state = history.trigger_state()
    state["fired"].append(
        {
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "batches": decision.batches,
            "reason": decision.reason,
        }
    )
    history.write_trigger_state(state)


def log_batches_to_versions(records: list[BatchRecord]) -> None:
    """Put each batch's figures, realized metrics included, on its model version."""
    from zenml import log_metadata

    for record in records:
        if record.labelled_rows:
            log_metadata(
                metadata={f"batch {record.batch_id}": record.model_dump(mode="json")},
                model_name=record.model_name,
                model_version=str(record.model_version),
            )


def crontab_lines(schedule: ScheduleSettings, project: Path) -> tuple[str, str]:
    """Return the crontab lines that run batch inference and the monitor on schedule."""
    command = f"cd {shlex.quote(str(project))} && {shlex.quote(sys.executable)} run.py"
    return (
        f"{schedule.batch_inference} {command} --only-inference",
        f"{schedule.monitor} {command} --monitor",
    )
