"""Monitoring over time: prediction ids, late labels, realized metrics, the retrain trigger."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict

from ml.history import BatchRecord, History
from ml.metrics import get_metric, standard_metrics
from ml.settings import TriggerSettings

PREDICTION_ID = "prediction_id"


def batch_key(*parts: object) -> str:
    """Return a short key naming a batch: the same data and version give the same key."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12]


def prediction_ids(key: str, rows: int) -> pd.Series:
    """Return an id per row, `KEY-N`: stable for the batch, unique across batches.

    Built and held by Arrow: a million ids as Python strings take half a second to make
    and as long again each time they are written or read.
    """
    numbers = pc.cast(pa.array(np.arange(rows)), pa.string())
    ids = pc.binary_join_element_wise(key, numbers, "-")
    return pd.Series(pd.arrays.ArrowStringArray(ids), name=PREDICTION_ID)


def own_prediction_ids(ids: pd.Series, column: str) -> pd.Series:
    """Return the user's own row ids as prediction ids, refusing gaps and repeats."""
    if ids.isna().any():
        raise ValueError(
            f"The id column '{column}' has {int(ids.isna().sum())} empty values: give every "
            "new row an id, or set id_column to null in configs/monitoring.yaml."
        )
    repeated = ids[ids.duplicated()]
    if len(repeated):
        raise ValueError(
            f"The id column '{column}' repeats {len(repeated)} ids (first: {repeated.iloc[0]!r}): "
            "give each row an id of its own, or set id_column to null in configs/monitoring.yaml."
        )
    return ids.astype(str).astype("string").reset_index(drop=True)


@dataclass
class LabelsReport:
    """What one labels file did: rows matched per batch, repeats, changes, unknown ids."""

    rows: int
    matched: dict[str, int] = field(default_factory=dict)
    repeated: int = 0
    changed: int = 0
    unknown: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        """Return what happened, a line each."""
        lines = [
            f"{self.rows} labels read; {sum(self.matched.values())} matched predictions in "
            f"{len(self.matched)} batch(es)."
        ]
        if self.repeated:
            lines.append(f"{self.repeated} had arrived before and were not counted again.")
        if self.changed:
            lines.append(f"{self.changed} replaced a different label given before for that id.")
        if self.unknown:
            named = ", ".join(map(repr, self.unknown[:3]))
            more = f" and {len(self.unknown) - 3} more" if len(self.unknown) > 3 else ""
            lines.append(
                f"{len(self.unknown)} ids match no recorded prediction ({named}{more}): "
                "they were left out."
            )
        return lines


def check_labels(
    frame: pd.DataFrame, id_column: str, target_column: str, task_type: str, source: str
) -> pd.DataFrame:
    """Return the labels as two columns, prediction_id and label, or refuse them in one line."""
    if frame.empty:
        raise ValueError(f"{source} holds no labels.")
    duplicated_names = frame.columns[frame.columns.duplicated()]
    if len(duplicated_names):
        raise ValueError(f"{source} has the column '{duplicated_names[0]}' twice: keep one.")
    for column in (id_column, target_column):
        if column not in frame.columns:
            raise ValueError(
                f"{source} has no column '{column}': labels need the prediction id "
                f"('{id_column}') and the target ('{target_column}')."
            )
    labels = pd.DataFrame(
        {
            PREDICTION_ID: frame[id_column].astype(str).astype("string"),
            "label": frame[target_column],
        }
    )
    if frame[id_column].isna().any() or labels["label"].isna().any():
        gaps = int(frame[id_column].isna().sum() + labels["label"].isna().sum())
        raise ValueError(f"{source} has {gaps} empty ids or labels: fill or remove those rows.")
    if task_type == "regression":
        numeric = pd.to_numeric(labels["label"], errors="coerce")
        if numeric.isna().any():
            bad = labels["label"][numeric.isna()].iloc[0]
            raise ValueError(
                f"{source}: '{target_column}' must be numeric for regression, and holds {bad!r}."
            )
        labels["label"] = numeric.astype(float)
    else:
        labels["label"] = labels["label"].astype(str)
    repeated = labels[PREDICTION_ID][labels[PREDICTION_ID].duplicated()]
    if len(repeated):
        conflicting = labels.groupby(PREDICTION_ID)["label"].nunique()
        if (conflicting > 1).any():
            first = conflicting[conflicting > 1].index[0]
            raise ValueError(
                f"{source} gives the id {first!r} two different labels: keep one per id."
            )
        labels = labels.drop_duplicates(PREDICTION_ID)
    return labels.reset_index(drop=True)


def record_labels(
    history: History, labels: pd.DataFrame, task_type: str, by_key: bool, source: str
) -> LabelsReport:
    """Join labels to the batches they belong to, and update each batch's realized metrics.

    `by_key`: prediction ids are the project's own (`KEY-N`), so each label's batch is
    its key; otherwise each batch's ids are read and matched, and an id found in two
    batches is refused. A label that arrived before is not counted again; a different
    label for the same id replaces it. Every batch is worked out before any is written,
    so a file refused halfway changes nothing. What is new for a batch is written as a
    labels part of its own, so that runs at the same time need no lock: each one's part
    lands, and a record that one of them wrote without the other's part is brought up
    to date by the next reader (`current_batches`).
    """
    report = LabelsReport(rows=len(labels))
    updates: list[tuple[BatchRecord, pd.DataFrame, pd.DataFrame, list[str], pd.DataFrame]] = []
    matched = pd.Series(dtype="string")
    names = history.batch_files()
    for record in history.batches():
        if record.refused:
            continue
        candidates = labels
        if by_key:
            candidates = labels[labels[PREDICTION_ID].str.startswith(f"{record.batch_id}-")]
            if candidates.empty:
                continue
        predictions = history.predictions(record.batch_id)
        mine = candidates[candidates[PREDICTION_ID].isin(predictions[PREDICTION_ID])]
        if mine.empty:
            continue
        twice = mine[PREDICTION_ID][mine[PREDICTION_ID].isin(matched)]
        if len(twice):
            raise ValueError(
                f"{source}: the id {twice.iloc[0]!r} belongs to more than one batch, so "
                "its label is ambiguous: the ids of id_column must be unique across batches."
            )
        matched = pd.concat([matched, mine[PREDICTION_ID]])
        mine = with_known_classes(mine, record, source)
        parts = history.label_parts(record.batch_id, names)
        before = history.labels(record.batch_id, parts).astype({"label": mine["label"].dtype})
        known = mine.merge(before, on=PREDICTION_ID, how="left", suffixes=("", "_before"))
        arrived = known["label_before"].notna().to_numpy()
        same = arrived & (known["label_before"] == known["label"]).to_numpy()
        report.repeated += int(same.sum())
        report.changed += int((arrived & ~same).sum())
        report.matched[record.batch_id] = len(mine)
        updates.append((record, predictions, before, parts, mine[~same]))
    for record, predictions, before, parts, new in updates:
        if not new.empty:
            parts = [*parts, history.add_labels(record.batch_id, new)]
            before = (
                pd.concat([before, new]).drop_duplicates(PREDICTION_ID, keep="last")
                if len(before)
                else new
            )
        present = history.label_parts(record.batch_id)
        if present != parts:  # another run added labels meanwhile: count its part too
            before = history.labels(record.batch_id, present)
        if present != record.label_parts:
            history.update_batch(counted(record, predictions, before, present, task_type))
    report.unknown = labels[PREDICTION_ID][~labels[PREDICTION_ID].isin(matched)].tolist()
    return report


def current_batches(history: History) -> list[BatchRecord]:
    """Return every recorded batch, each with realized metrics on all its labels parts.

    A record that misses a part (two label runs at once, each writing the record before
    the other's part landed) is realized again and written back.
    """
    names = history.batch_files()
    records = []
    for record in history.batches():
        parts = history.label_parts(record.batch_id, names)
        if not record.refused and parts != record.label_parts:
            labels = history.labels(record.batch_id, parts)
            task_type = get_metric(record.metric).task_type
            record = counted(record, history.predictions(record.batch_id), labels, parts, task_type)
            history.update_batch(record)
        records.append(record)
    return records


def counted(
    record: BatchRecord,
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    parts: list[str],
    task_type: str,
) -> BatchRecord:
    """Return the record realized on `labels`, which are the labels parts `parts`."""
    realized = realize(record, predictions, labels.reset_index(drop=True), task_type)
    return realized.model_copy(update={"label_parts": parts})


def with_known_classes(labels: pd.DataFrame, record: BatchRecord, source: str) -> pd.DataFrame:
    """Return labels in the text of the version's classes, or refuse one that is none.

    A class written as a whole float (`1.0` for the class `1`) is read as that class.
    """
    if record.classes is None:
        return labels
    values = labels["label"].copy()
    unknown = ~values.isin(record.classes)
    if unknown.any():
        numbers = pd.to_numeric(values[unknown], errors="coerce")
        whole = numbers[numbers.notna() & (numbers % 1 == 0)]
        values.loc[whole.index] = whole.astype("int64").astype(str)
        unknown = ~values.isin(record.classes)
    if unknown.any():
        raise ValueError(
            f"{source}: {values[unknown].iloc[0]!r} is not a class of model version "
            f"{record.model_version} ({', '.join(record.classes)}): fix those labels."
        )
    return labels.assign(label=values)


def realize(
    record: BatchRecord, predictions: pd.DataFrame, labels: pd.DataFrame, task_type: str
) -> BatchRecord:
    """Return the record with its realized metrics on the rows labelled so far."""
    joined = predictions.merge(labels, on=PREDICTION_ID)
    probability_columns = [column for column in joined.columns if column.startswith("proba:")]
    probabilities = joined[probability_columns].to_numpy() if probability_columns else None
    classes = [column.removeprefix("proba:") for column in probability_columns] or None
    realized = {
        metric.name: metric.compute(
            joined["label"].to_numpy(), joined["prediction"].to_numpy(), probabilities, classes
        )
        for metric in standard_metrics(task_type, record.metric)
    }
    return record.model_copy(update={"realized": realized, "labelled_rows": len(joined)})


class TriggerDecision(BaseModel):
    """Whether the retrain trigger fires, why, and on which batches.

    The monitor pipeline stores it as the output of its `retrain_trigger` step.
    """

    model_config = ConfigDict(frozen=True)

    fired: bool
    reason: str
    batches: list[str] = []


def batch_metric(record: BatchRecord, settings: TriggerSettings) -> tuple[float | None, str]:
    """Return a batch's promotion metric, realized once labelled enough, else estimated."""
    realized = record.realized.get(record.metric)
    if realized is not None and record.labelled_share >= settings.min_labelled_share:
        return realized, "realized"
    return record.estimated, "estimated"


def breaches(record: BatchRecord, settings: TriggerSettings) -> list[str]:
    """Return why a batch breaches the trigger's rules: a line per rule it breaks."""
    found = []
    value, kind = batch_metric(record, settings)
    if settings.metric_threshold is not None and value is not None:
        metric = get_metric(record.metric)
        if metric.improvement(value, settings.metric_threshold) < 0:
            direction = "below" if metric.greater_is_better else "above"
            found.append(
                f"{kind} {record.metric} {value:.4f} is {direction} {settings.metric_threshold}"
            )
    if (
        settings.max_drifted_share is not None
        and record.drifted_columns
        and record.drifted_share is not None
        and record.drifted_share >= settings.max_drifted_share
    ):
        found.append(
            f"{record.drifted_share:.0%} of columns drifted "
            f"({', '.join(record.drifted_columns)}), at least {settings.max_drifted_share:.0%}"
        )
    return found


def evaluate_trigger(
    records: list[BatchRecord], settings: TriggerSettings, fired_on: set[str]
) -> TriggerDecision:
    """Decide whether to retrain: `breaches` of the last `window` batches breach, the latest too.

    Batches on which the trigger fired before (`fired_on`) and those before them never
    count again, so a trigger that fired waits for new batches.
    """
    last_fired = max(
        (index for index, record in enumerate(records) if record.batch_id in fired_on),
        default=-1,
    )
    window = records[last_fired + 1 :][-settings.window :]
    if not records:
        return TriggerDecision(fired=False, reason="no batch is recorded yet")
    if not window:
        return TriggerDecision(fired=False, reason="no batch since the trigger last fired")
    found = {record.batch_id: breaches(record, settings) for record in window}
    breached = [record for record in window if found[record.batch_id]]
    latest = window[-1]
    if not found[latest.batch_id]:
        return TriggerDecision(
            fired=False,
            reason=f"the latest batch {latest.batch_id} breaches no rule "
            f"({len(breached)} of the last {len(window)} do)",
        )
    if len(breached) < settings.breaches:
        return TriggerDecision(
            fired=False,
            reason=f"{len(breached)} of the last {len(window)} batches breach; it takes "
            f"{settings.breaches} of {settings.window}",
        )
    details = "; ".join(
        f"{record.batch_id} (version {record.model_version}): {', '.join(found[record.batch_id])}"
        for record in breached
    )
    return TriggerDecision(
        fired=True,
        reason=f"{len(breached)} of the last {len(window)} batches breach: {details}",
        batches=[record.batch_id for record in breached],
    )


def status_rows(records: list[BatchRecord]) -> list[dict[str, Any]]:
    """Return each batch as the JSON-ready row that `python -m monitoring status` shows."""
    return [
        {
            "batch_id": record.batch_id,
            "predicted_at": record.predicted_at.isoformat(),
            "model_version": record.model_version,
            "rows": record.rows,
            "drifted_share": record.drifted_share,
            "metric": record.metric,
            "estimated": record.estimated,
            "realized": record.realized.get(record.metric) if record.labelled_rows else None,
            "realized_metrics": record.realized or None,
            "labelled_share": record.labelled_share,
            "refused": record.refused,
        }
        for record in records
    ]


def status_line(row: dict[str, Any]) -> str:
    """Return one batch's row as a line for people."""

    def number(value: float | None, style: str = ".4f") -> str:
        return "-" if value is None else format(value, style)

    refused = "  refused by the drift gate" if row["refused"] else ""
    return (
        f"{row['predicted_at'][:19].replace('T', ' ')} UTC  {row['batch_id']}  "
        f"version {row['model_version']}  "
        f"{row['rows']} rows  drifted {number(row['drifted_share'], '.0%')}  "
        f"{row['metric']} estimated {number(row['estimated'])} "
        f"realized {number(row['realized'])}  labelled {row['labelled_share']:.0%}{refused}"
    )
