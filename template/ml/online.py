"""Online predictions in the history: a file per request, closed into a batch per day.

With `record_predictions` on (configs/serving.yaml), the service writes each request's
rows, predictions, class probabilities, model version and time as one file of its own,
`online/YYYY-MM-DD/HHMMSS-<random>.parquet` under the history (the UTC day it was
answered), which is never written again: concurrent requests never share a file. Each
prediction's id starts with the id of the batch it will belong to, one per UTC day and
model version (`online-YYYYMMDD-vN-<model>`), so that late labels find it.

Once a day is over, `close_days` turns its files into one history batch per model
version, with the version's performance estimate, like a batch of batch inference;
`online/YYYY-MM-DD/closed.json` then marks the day closed. The files stay: they hold
the request rows, which the batches do not.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from ml.estimation import PerformanceEstimator
from ml.history import BatchRecord, History, HistoryError, _fileio
from ml.monitoring import PREDICTION_ID, batch_key, own_prediction_ids
from ml.prediction import ServedModel, prepared_rows, records_to_frame

ONLINE = "online"
CLOSED = "closed.json"
# A day closes this long after its end (UTC), so that a request answered just before
# midnight has written its file by then.
CLOSING_GRACE = timedelta(minutes=15)
# The columns of a request's file besides the probabilities (`proba:CLASS`).
PREDICTED_AT, MODEL_NAME, MODEL_VERSION, ROW = "predicted_at", "model_name", "model_version", "row"


def online_batch_id(model_name: str, model_version: int, day: date) -> str:
    """Return the id of the batch that a day's online predictions by a version make."""
    return f"online-{day:%Y%m%d}-v{model_version}-{batch_key(model_name)[:8]}"


def day_of(moment: datetime) -> date:
    """Return the UTC day of a moment."""
    return moment.astimezone(timezone.utc).date()


@dataclass(frozen=True)
class OnlineRequest:
    """A request about to be predicted: its ids, its rows without the id column, its time."""

    ids: list[str]
    rows: list[dict[str, Any]]
    received_at: datetime


def start_request(
    rows: list[dict[str, Any]],
    model_name: str,
    model_version: int,
    id_column: str | None,
    now: datetime,
) -> OnlineRequest:
    """Return the ids of a request's rows: the rows' own `id_column`, or new ones.

    New ids are `BATCH-REQUEST-N`: the day's batch, a random part per request, the row's
    position. Rows with their own ids are predicted without that column. Raises a
    ValueError, naming the fix, when the id column is missing, empty or repeated.
    """
    if id_column is None:
        batch_id = online_batch_id(model_name, model_version, day_of(now))
        prefix = f"{batch_id}-{uuid.uuid4().hex[:16]}"
        return OnlineRequest([f"{prefix}-{n}" for n in range(len(rows))], rows, now)
    missing = sum(id_column not in row for row in rows)
    if missing:
        raise ValueError(
            f"{missing} rows have no '{id_column}', the id column of configs/monitoring.yaml: "
            "send each row's id, or set id_column to null there."
        )
    ids = own_prediction_ids(pd.Series([row[id_column] for row in rows], dtype=object), id_column)
    stripped = [{name: value for name, value in row.items() if name != id_column} for row in rows]
    return OnlineRequest(ids.tolist(), stripped, now)


def request_part(request: OnlineRequest, outputs: dict[str, Any], model_name: str) -> pd.DataFrame:
    """Return what a request's file holds: a row per prediction, with the request's row."""
    part = pd.DataFrame(
        {
            PREDICTION_ID: pd.Series(request.ids, dtype="string"),
            "prediction": outputs["predictions"],
            PREDICTED_AT: request.received_at.astimezone(timezone.utc).isoformat(),
            MODEL_NAME: model_name,
            MODEL_VERSION: int(outputs["model_version"]),
            ROW: [json.dumps(row) for row in request.rows],
        }
    )
    for name, values in pd.DataFrame(outputs["probabilities"] or []).items():
        part[f"proba:{name}"] = values.to_numpy(dtype=float)
    return part


def write_part(history: History, part: pd.DataFrame, received_at: datetime) -> str:
    """Write a request's file under its UTC day; return its path. It is never rewritten."""
    moment = received_at.astimezone(timezone.utc)
    name = f"{moment:%H%M%S}-{uuid.uuid4().hex}.parquet"
    path = history._path(ONLINE, f"{moment:%Y-%m-%d}", name)
    buffer = io.BytesIO()
    part.to_parquet(buffer, index=False)
    history._write_atomic(path, buffer.getvalue())
    return path


def _names(history: History, *parts: str) -> list[str]:
    """Return the names in a folder of the history; none when it does not exist."""
    folder = history._path(*parts)
    if history.remote:
        files = _fileio()
        return (
            [str(name).rsplit("/", 1)[-1] for name in files.listdir(folder)]
            if files.exists(folder)
            else []
        )
    path = Path(folder)
    return [child.name for child in path.iterdir()] if path.is_dir() else []


def recorded_days(history: History) -> list[date]:
    """Return the UTC days that have online files, oldest first."""
    days = []
    for name in _names(history, ONLINE):
        try:
            days.append(date.fromisoformat(name))
        except ValueError:
            continue  # not a day's folder
    return sorted(days)


def is_closed(history: History, day: date) -> bool:
    """Return whether a day's online predictions are batches of the history already."""
    return history._exists(history._path(ONLINE, day.isoformat(), CLOSED))


def read_day(history: History, day: date) -> pd.DataFrame:
    """Return every online prediction of a day, in the order they were answered."""
    frames = []
    for name in sorted(_names(history, ONLINE, day.isoformat())):
        if not name.endswith(".parquet"):
            continue  # the closed marker, or a file being written
        path = history._path(ONLINE, day.isoformat(), name)
        with history._open(path, "rb") as file:
            content = file.read()
        try:
            frames.append(pd.read_parquet(io.BytesIO(content)))
        except (OSError, ValueError) as error:
            raise HistoryError(
                f"{path} is damaged ({str(error).splitlines()[0]}): restore it from a copy, "
                "or delete it to forget that request's predictions."
            ) from None
    if not frames:
        return pd.DataFrame(columns=[PREDICTION_ID, PREDICTED_AT, MODEL_NAME, MODEL_VERSION])
    return pd.concat(frames, ignore_index=True).sort_values(PREDICTED_AT, kind="stable")


@dataclass(frozen=True)
class VersionFacts:
    """What closing a day needs of the model version that predicted it."""

    metric: str
    served: ServedModel
    estimator: PerformanceEstimator | None


@dataclass
class ClosedDays:
    """What closing did: the new batches, and why a day could not be closed, a line each."""

    batches: list[BatchRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def close_days(
    history: History,
    version_facts: Callable[[str, int], VersionFacts],
    estimate_rows: int,
    now: datetime,
) -> ClosedDays:
    """Record each day that is over as one batch per model version; say what was done.

    A day is over `CLOSING_GRACE` after its end (UTC). `version_facts(model_name,
    version)` gives the version's metric, contract, preprocessing and estimator, or
    raises a LookupError or ValueError, which leaves that day open, to be tried again.
    A batch recorded already is kept as it is, with the labels it has. Two closers at once
    write the same batches (the estimate's sample is seeded); a record rewritten without a
    labels part that landed meanwhile is brought up to date by the next reader.
    """
    closed = ClosedDays()
    last_open = day_of(now - CLOSING_GRACE)
    for day in recorded_days(history):
        if day >= last_open or is_closed(history, day):
            continue
        predictions = read_day(history, day)
        batches, complete = [], True
        for (model_name, version), rows in predictions.groupby(
            [MODEL_NAME, MODEL_VERSION], sort=True
        ):
            batch_id = online_batch_id(str(model_name), int(version), day)
            batches.append(batch_id)
            if history.batch(batch_id) is not None:
                continue
            try:
                facts = version_facts(str(model_name), int(version))
            except (LookupError, ValueError) as error:
                closed.problems.append(
                    f"The online predictions of {day} by version {version} stay open: "
                    f"{str(error).splitlines()[0]}"
                )
                complete = False
                continue
            record, stored = day_batch(batch_id, rows, facts, estimate_rows)
            history.write_batch(record, stored)
            closed.batches.append(record)
        if not complete:
            continue
        marker = {"closed_at": now.isoformat(timespec="seconds"), "batches": batches}
        history._write_atomic(
            history._path(ONLINE, day.isoformat(), CLOSED), json.dumps(marker).encode()
        )
    return closed


def day_batch(
    batch_id: str, rows: pd.DataFrame, facts: VersionFacts, estimate_rows: int
) -> tuple[BatchRecord, pd.DataFrame]:
    """Return one version's online predictions of a day as a batch: its record and predictions.

    The metric is estimated, as for a batch of batch inference, on a seeded sample of at
    most `estimate_rows` rows.
    """
    # Every file of a version has its classes' columns, in the version's order.
    probability_columns = [column for column in rows.columns if column.startswith("proba:")]
    rows = rows.reset_index(drop=True)
    estimate = None
    estimator = facts.estimator
    if estimator is not None and estimator.estimable:
        sample = rows if len(rows) <= estimate_rows else rows.sample(estimate_rows, random_state=0)
        features = None
        if estimator.task_type == "regression":
            raw = records_to_frame([json.loads(row) for row in sample[ROW]])
            checked, _ = prepared_rows(raw, facts.served)
            features = facts.served.preprocess_pipeline.transform(checked)
        estimate = estimator.estimate(
            features,
            sample["prediction"].to_numpy(),
            sample[probability_columns].to_numpy() if probability_columns else None,
        )
    record = BatchRecord(
        batch_id=batch_id,
        predicted_at=datetime.fromisoformat(str(rows[PREDICTED_AT].iloc[-1])),
        model_name=str(rows[MODEL_NAME].iloc[0]),
        model_version=int(rows[MODEL_VERSION].iloc[0]),
        rows=len(rows),
        metric=facts.metric,
        classes=facts.served.contract.get("target_classes"),
        estimated=estimate.value if estimate else None,
        estimated_interval=(estimate.lower, estimate.upper) if estimate else None,
    )
    stored = rows[[PREDICTION_ID, "prediction", *probability_columns]].copy()
    stored[PREDICTION_ID] = stored[PREDICTION_ID].astype("string")
    return record, stored


@dataclass(frozen=True)
class OpenDay:
    """A day whose online predictions are not a batch yet: how many, by which versions."""

    day: date
    rows: int
    versions: list[int]
    ids: pd.Series

    @property
    def closes_at(self) -> datetime:
        """Return when the day can be closed (UTC)."""
        start = datetime.combine(self.day, datetime.min.time(), tzinfo=timezone.utc)
        return start + timedelta(days=1) + CLOSING_GRACE

    def as_json(self) -> dict[str, Any]:
        """Return the day as `python -m monitoring status --json` shows it."""
        return {
            "day": self.day.isoformat(),
            "rows": self.rows,
            "model_versions": self.versions,
            "closes_at": self.closes_at.isoformat(),
        }

    def describe(self) -> str:
        """Return the day as a line for people, like a batch's line of the status."""
        versions = ", ".join(map(str, self.versions))
        return (
            f"{self.day} UTC  online, open  version {versions}  {self.rows} rows  "
            f"becomes a batch at the first --monitor or --labels after "
            f"{self.closes_at:%Y-%m-%d %H:%M} UTC"
        )


def open_days(history: History) -> list[OpenDay]:
    """Return the days with online predictions that are not batches yet, oldest first."""
    found = []
    for day in recorded_days(history):
        if is_closed(history, day):
            continue
        predictions = read_day(history, day)
        if predictions.empty:
            continue
        found.append(
            OpenDay(
                day,
                len(predictions),
                sorted(int(version) for version in predictions[MODEL_VERSION].unique()),
                predictions[PREDICTION_ID].astype(str),
            )
        )
    return found


def labels_for_open_days(ids: list[str], days: list[OpenDay]) -> str | None:
    """Return a line naming the `ids` that are predictions of open days, or None.

    Their day is not a batch yet, so labels cannot join them: they are sent again once
    it is.
    """
    wanted = pd.Series(ids, dtype=object).astype(str)
    held = [day for day in days if wanted.isin(day.ids).any()]
    if not held:
        return None
    count = sum(int(wanted.isin(day.ids).sum()) for day in held)
    return (
        f"{count} labels are for online predictions of days still open "
        f"({', '.join(str(day.day) for day in held)}): send them again after "
        f"{held[-1].closes_at:%Y-%m-%d %H:%M} UTC, once --monitor or --labels has made "
        "those days batches."
    )


def open_day_ids(days: list[OpenDay]) -> set[str]:
    """Return the prediction ids of the open days."""
    return {str(value) for day in days for value in day.ids}


def now_utc() -> datetime:
    """Return the current moment, in UTC."""
    return datetime.now(timezone.utc)
