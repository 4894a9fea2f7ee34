"""The Evidently workspace of the batch history: each batch's snapshots and a dashboard."""

from __future__ import annotations

import json
import shutil
from datetime import timezone
from pathlib import Path

import pandas as pd

from ml.history import BatchRecord, History
from ml.monitoring import current_batches

PROJECT_TITLE = "Batches of {model}"


def batch_figures(record: BatchRecord) -> dict[str, float]:
    """Return the figures of a batch that the dashboard plots over time (those known)."""
    figures = {
        "estimated": record.estimated,
        "realized": record.realized.get(record.metric) if record.labelled_rows else None,
        "drifted_share": record.drifted_share,
        "labelled_share": record.labelled_share,
    }
    return {name: float(value) for name, value in figures.items() if value is not None}


def build_workspace(history: History, folder: Path, model: str) -> int:
    """Rebuild the workspace at `folder` from the history; return how many snapshots it holds.

    It is made anew each time from the history, which stays the record: the figures of
    each batch as a snapshot at the batch's time, its drift report when it was checked,
    and a dashboard of the metric and the drifted share over time.
    """
    from evidently import DataDefinition, Dataset, Report
    from evidently.core.report import Snapshot
    from evidently.metrics import MeanValue
    from evidently.sdk.models import PanelMetric
    from evidently.sdk.panels import line_plot_panel
    from evidently.ui.workspace import Workspace

    shutil.rmtree(folder, ignore_errors=True)
    workspace = Workspace(str(folder))
    project = workspace.create_project(
        PROJECT_TITLE.format(model=model),
        description="Each predicted batch: its estimated and realized metric, and its drift.",
    )
    snapshots = 0
    records = current_batches(history)
    for record in records:
        # Evidently compares snapshot times as they are: every one in UTC, without a zone.
        timestamp = record.predicted_at.astimezone(timezone.utc).replace(tzinfo=None)
        figures = batch_figures(record)
        frame = pd.DataFrame([figures])
        definition = DataDefinition(numerical_columns=list(figures))
        snapshot = Report([MeanValue(column=name) for name in figures]).run(
            Dataset.from_pandas(frame, data_definition=definition), None, timestamp=timestamp
        )
        workspace.add_run(
            project.id, snapshot, name=f"batch {record.batch_id} (version {record.model_version})"
        )
        snapshots += 1
        drift = history.drift_snapshot(record.batch_id)
        if drift is not None:
            report = json.loads(drift)
            report["timestamp"] = timestamp.isoformat()
            workspace.add_run(
                project.id, Snapshot.load_dict(report), name=f"drift of batch {record.batch_id}"
            )
            snapshots += 1
    metric = records[-1].metric if records else "metric"

    def plotted(column: str, legend: str) -> PanelMetric:
        return PanelMetric(
            metric="evidently:metric_v2:MeanValue", metric_labels={"column": column}, legend=legend
        )

    project.dashboard.add_panel(
        line_plot_panel(
            title=f"{metric} per batch: estimated before labels, realized after",
            values=[plotted("estimated", "estimated"), plotted("realized", "realized")],
        )
    )
    project.dashboard.add_panel(
        line_plot_panel(
            title="Share of drifted columns and of labelled rows per batch",
            values=[plotted("drifted_share", "drifted"), plotted("labelled_share", "labelled")],
        )
    )
    return snapshots
