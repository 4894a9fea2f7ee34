"""`python -m monitoring status|card|ui`: the batch history, the trigger, the staged card."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from ml import PROJECT_ROOT
from ml.history import History, HistoryError
from ml.monitoring import status_line, status_rows
from ml.online import open_days
from ml.settings import MonitoringConfig, TrainingConfig, load_settings
from upstream import exit_without_teardown

WORKSPACE = PROJECT_ROOT / ".monitoring-ui"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Look at the batches the staged model predicted, and at the retrain trigger."""


@main.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
def status_command(as_json: bool) -> None:
    """Print a line per batch (time, version, rows, drift, metric, labels) and the trigger.

    Online predictions of days that are not batches yet get a line per day.
    """
    from monitoring.trigger import read_history

    history, records, decision = read_history(load_settings("monitoring", MonitoringConfig))
    try:
        still_open = open_days(history)
    except (HistoryError, OSError, ValueError) as error:
        raise click.ClickException(str(error).splitlines()[0]) from None
    rows = status_rows(records)
    if as_json:
        trigger = {"fired": decision.fired, "reason": decision.reason, "batches": decision.batches}
        shown: dict[str, Any] = {"batches": rows, "trigger": trigger}
        if still_open:  # only a service that records its predictions has these
            shown["open_online_days"] = [day.as_json() for day in still_open]
        click.echo(json.dumps(shown, indent=2))
        return
    if not rows and not still_open:
        click.echo(f"No batch in {history.root} yet: `python run.py` predicts one.")
    for row in rows:
        click.echo(status_line(row))
    for day in still_open:
        click.echo(day.describe())
    state = "would fire" if decision.fired else "holds"
    click.echo(f"Retrain trigger: {state}: {decision.reason}.")


@main.command("card")
def card_command() -> None:
    """Print the model card of the version in the target stage (Markdown)."""
    from stack.cards import staged_card

    try:
        click.echo(staged_card())
    except LookupError as error:
        raise click.ClickException(str(error)) from None


@main.command("ui")
@click.option("--port", default=8080, show_default=True, help="Port on 127.0.0.1.")
def ui_command(port: int) -> None:
    """Rebuild the Evidently workspace from the history and serve it on 127.0.0.1."""
    from monitoring.workspace import build_workspace

    config = load_settings("monitoring", MonitoringConfig)
    model = load_settings("training", TrainingConfig).model.name
    try:
        snapshots = build_workspace(History(config.history_path), WORKSPACE, model)
    except HistoryError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{snapshots} snapshots; the dashboard answers at http://127.0.0.1:{port}")
    command = [
        sys.executable, "-m", "evidently.cli", "ui",
        "--workspace", str(WORKSPACE), "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    # Evidently's telemetry stays off: the dashboard works offline. The process becomes
    # the server, so that stopping it stops the server.
    sys.stdout.flush()
    os.execve(sys.executable, command, {**os.environ, "DO_NOT_TRACK": "1"})


if __name__ == "__main__":
    exit_without_teardown(main)
