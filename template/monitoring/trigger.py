"""The retrain trigger, checked on the batch history by the monitor pipeline."""

from __future__ import annotations

import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path

import click
from zenml.logger import get_logger

from ml.history import BatchRecord, History, HistoryError
from ml.monitoring import TriggerDecision, current_batches, evaluate_trigger
from ml.settings import MonitoringConfig, ScheduleSettings

logger = get_logger(__name__)


def check_trigger(model_name: str, monitoring: MonitoringConfig) -> TriggerDecision:
    """Say whether the trigger fires and why, and alert when it fires.

    Each batch's figures go to its model version's metadata first, after the online
    service's days that are over became batches (monitoring.online). A damaged history
    raises HistoryError, which names the batch and the fix.
    """
    from monitoring.online import close_online_days
    from stack.components import post_alert

    close_online_days(History(monitoring.history_path), monitoring.estimate_rows)
    _, records, decision = evaluate_history(monitoring)
    log_batches_to_versions(records)
    if not decision.fired:
        logger.info("The retrain trigger holds: %s.", decision.reason)
        return decision
    message = f"Retraining '{model_name}': {decision.reason}."
    logger.info(message)
    logger.info(
        "Training reads the data that configs/training.yaml names: add the batches' labelled "
        "rows to it, or the new version learns nothing the last one did not."
    )
    post_alert(message)
    return decision


def evaluate_history(
    monitoring: MonitoringConfig,
) -> tuple[History, list[BatchRecord], TriggerDecision]:
    """Return the history, its batches, and what the trigger decides on them now.

    Raises HistoryError when the history is damaged or out of reach.
    """
    history = History(monitoring.history_path)
    records = current_batches(history)
    return history, records, evaluate_trigger(records, monitoring.trigger, fired_batches(history))


def read_history(
    monitoring: MonitoringConfig,
) -> tuple[History, list[BatchRecord], TriggerDecision]:
    """Return what `evaluate_history` does; a damaged history stops the command in one line."""
    try:
        return evaluate_history(monitoring)
    except HistoryError as error:
        raise click.ClickException(str(error)) from None


def fired_batches(history: History) -> set[str]:
    """Return the batches on which the trigger has fired: they never count again."""
    return {batch for firing in history.trigger_state()["fired"] for batch in firing["batches"]}


def record_firing(monitoring: MonitoringConfig, decision: TriggerDecision) -> None:
    """Record that the trigger fired on these batches, once the retraining has completed."""
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
