"""`python run.py --labels FILE`: late labels joined to the batches they belong to."""

from __future__ import annotations

import click

from ml.data import read_table
from ml.history import History
from ml.monitoring import PREDICTION_ID, check_labels, record_labels
from ml.online import labels_for_open_days, open_day_ids, open_days
from ml.settings import MonitoringConfig, TrainingConfig
from monitoring.online import close_online_days


def record_late_labels(path: str, training: TrainingConfig, monitoring: MonitoringConfig) -> None:
    """Record a labels file in the history and say what it did, or refuse it in one line.

    Nothing recorded earlier is lost: a refused file changes nothing, and labels that
    arrived before stay. The online service's days that are over become batches first
    (monitoring.online); labels for a day still open are named, to be sent again.
    """
    data = training.parameters.data
    try:
        labels = check_labels(
            read_table(path, "--labels"),
            monitoring.id_column or PREDICTION_ID,
            data.target_column,
            data.task_type,
            path,
        )
        history = History(monitoring.history_path)
        close_online_days(history, monitoring.estimate_rows)
        report = record_labels(
            history, labels, data.task_type, by_key=not monitoring.id_column, source=path
        )
        still_open = open_days(history)
    except (ValueError, OSError) as error:
        raise click.ClickException(str(error).splitlines()[0]) from None
    waiting = labels_for_open_days(report.unknown, still_open)
    if waiting:
        held = open_day_ids(still_open)
        report.unknown = [label for label in report.unknown if label not in held]
    for line in report.describe():
        click.echo(line)
    if waiting:
        click.echo(waiting)
