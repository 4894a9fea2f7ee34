"""The history of predicted batches: each batch's record, predictions and late labels.

A folder of files, one set per batch, so that two batch inferences never write the
same file: `batches/ID.json` (the record), `batches/ID.predictions.parquet`,
`batches/ID.labels.TIME-RANDOM.parquet` (a part per `--labels` run that brought labels
for the batch, never rewritten) and `batches/ID.drift.json` (the Evidently snapshot of
its drift report), and `trigger.json`, the batches that made the retrain trigger fire.
Since no two label runs write the same file, they need no lock: the record names the
parts its realized metrics count, and a record that misses one is brought up to date
by the next reader (`ml.monitoring.current_batches`).

The folder is a path of the project, or a URI in the stack's artifact store (s3://,
gs://, az://), which is read and written through ZenML's file I/O with the stack's
credentials.
"""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from ml.data import resolve_path

BATCH_ID = re.compile(r"^[A-Za-z0-9_-]+$")
# A batch's labels before they came in parts: the oldest part when it is still there.
LEGACY_LABELS = "{batch_id}.labels.parquet"


class HistoryError(ValueError):
    """A history that cannot be read: a damaged file, or a store the stack cannot reach."""


class BatchRecord(BaseModel):
    """One predicted batch: when, by which version, and what is known of its quality."""

    model_config = ConfigDict(frozen=True)

    batch_id: str
    predicted_at: datetime
    model_name: str
    model_version: int
    rows: int
    # The promotion metric, which the estimate and the realized value are of.
    metric: str
    # A classifier's classes, as text: labels are checked against them.
    classes: list[str] | None = None
    drifted_share: float | None = None
    drifted_columns: list[str] = []
    estimated: float | None = None
    estimated_interval: tuple[float | None, float | None] | None = None
    # Each standard metric on the labelled rows; empty until labels arrive.
    realized: dict[str, float | None] = {}
    labelled_rows: int = 0
    # The labels parts (file names) that `realized` and `labelled_rows` count.
    label_parts: list[str] = []
    # Refused by batch inference's drift gate: nothing was predicted.
    refused: bool = False

    @property
    def labelled_share(self) -> float:
        """Return the share of the batch's rows whose labels have arrived."""
        return self.labelled_rows / self.rows if self.rows else 0.0


class History:
    """The batch history at `root`: a folder of the project or an artifact store URI."""

    def __init__(self, root: str) -> None:
        self.remote = "://" in root
        self.root = root.rstrip("/") if self.remote else str(resolve_path(root))

    def _path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def _open(self, path: str, mode: str) -> IO[Any]:
        if self.remote:
            return _fileio().open(path, mode)
        if "w" in mode:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return open(path, mode)

    def _exists(self, path: str) -> bool:
        return bool(_fileio().exists(path)) if self.remote else Path(path).exists()

    def _write_atomic(self, path: str, data: bytes) -> None:
        """Write a whole file, so that a reader never sees half of it."""
        if self.remote:  # object stores replace an object whole
            with self._open(path, "wb") as file:
                file.write(data)
            return
        # A name of its own, so that two writers never share a partial file.
        partial = Path(f"{path}.{uuid.uuid4().hex}.partial")
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        partial.replace(path)

    def batch(self, batch_id: str) -> BatchRecord | None:
        """Return a batch's record, or None when it is not recorded."""
        path = self._path("batches", f"{batch_id}.json")
        if not self._exists(path):
            return None
        return self._read_record(path)

    def write_batch(
        self,
        record: BatchRecord,
        predictions: pd.DataFrame,
        drift_snapshot: str | None = None,
    ) -> None:
        """Record a batch: its predictions first, then the record that points at them."""
        if not BATCH_ID.match(record.batch_id):
            raise ValueError(f"A batch id holds only letters, digits, - and _: {record.batch_id!r}")
        self._write_frame(f"{record.batch_id}.predictions.parquet", predictions)
        if drift_snapshot is not None:
            self._write_atomic(
                self._path("batches", f"{record.batch_id}.drift.json"), drift_snapshot.encode()
            )
        self.update_batch(record)

    def update_batch(self, record: BatchRecord) -> None:
        """Replace a batch's record."""
        self._write_atomic(
            self._path("batches", f"{record.batch_id}.json"), record.model_dump_json().encode()
        )

    def batches(self) -> list[BatchRecord]:
        """Return every recorded batch, oldest first."""
        records = [
            self._read_record(self._path("batches", name))
            for name in self.batch_files()
            if name.endswith(".json") and not name.endswith(".drift.json")
        ]
        return sorted(records, key=lambda record: (record.predicted_at, record.batch_id))

    def batch_files(self) -> list[str]:
        """Return the names of the files in `batches/`."""
        folder = self._path("batches")
        if self.remote:
            names = _fileio().listdir(folder) if _fileio().exists(folder) else []
            return [str(name).rstrip("/").rsplit("/", 1)[-1] for name in names]
        return [path.name for path in Path(folder).glob("*")] if Path(folder).is_dir() else []

    def _read_record(self, path: str) -> BatchRecord:
        """Return the record in `path`, or name the damaged file in one line."""
        with self._open(path, "rb") as file:
            content = file.read()
        try:
            return BatchRecord.model_validate_json(content)
        except ValidationError as error:
            raise HistoryError(
                f"{path} is damaged ({error.errors()[0]['msg']}): restore it from a copy, or "
                "delete it and its batch's files to forget that batch."
            ) from None

    def predictions(self, batch_id: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Return a batch's predictions: prediction_id, the prediction, probabilities."""
        return self._read_frame(f"{batch_id}.predictions.parquet", columns)

    def label_parts(self, batch_id: str, names: list[str] | None = None) -> list[str]:
        """Return the names of a batch's labels parts, oldest first.

        `names`: the files of `batches/` when the caller listed them already.
        """
        legacy = LEGACY_LABELS.format(batch_id=batch_id)
        prefix = f"{batch_id}.labels."
        parts = [
            name
            for name in (self.batch_files() if names is None else names)
            if name.startswith(prefix) and name.endswith(".parquet")
        ]
        # A part's name starts with the time it was written: a later part wins.
        return sorted(parts, key=lambda name: (name != legacy, name))

    def labels(self, batch_id: str, parts: list[str] | None = None) -> pd.DataFrame:
        """Return the labels that have arrived for a batch (prediction_id, label).

        The parts are merged oldest first: an id labelled twice keeps its latest label.
        `parts`: the batch's parts when the caller listed them already.
        """
        parts = self.label_parts(batch_id) if parts is None else parts
        frames = [self._read_frame(name) for name in parts]
        if not frames:
            return pd.DataFrame({"prediction_id": pd.Series(dtype=str), "label": []})
        if len(frames) == 1:
            return frames[0]
        merged = pd.concat(frames, ignore_index=True)
        return merged.drop_duplicates("prediction_id", keep="last").reset_index(drop=True)

    def add_labels(self, batch_id: str, labels: pd.DataFrame) -> str:
        """Write labels that arrived for a batch as a part of their own; return its name.

        A part is never rewritten, so two runs that add labels at once both land.
        """
        written = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{batch_id}.labels.{written}-{uuid.uuid4().hex[:8]}.parquet"
        self._write_frame(name, labels)
        return name

    def drift_snapshot(self, batch_id: str) -> str | None:
        """Return the Evidently snapshot of a batch's drift report, if it was checked."""
        path = self._path("batches", f"{batch_id}.drift.json")
        if not self._exists(path):
            return None
        with self._open(path, "rb") as file:
            return file.read().decode()

    def trigger_state(self) -> dict[str, Any]:
        """Return what the retrain trigger has done: each firing and its batches."""
        path = self._path("trigger.json")
        if not self._exists(path):
            return {"fired": []}
        with self._open(path, "rb") as file:
            return json.loads(file.read())

    def write_trigger_state(self, state: dict[str, Any]) -> None:
        """Replace what the retrain trigger has done."""
        self._write_atomic(self._path("trigger.json"), json.dumps(state, indent=2).encode())

    def _write_frame(self, name: str, frame: pd.DataFrame) -> None:
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        self._write_atomic(self._path("batches", name), buffer.getvalue())

    def _read_frame(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        path = self._path("batches", name)
        try:
            if self.remote:
                with self._open(path, "rb") as file:
                    return pd.read_parquet(io.BytesIO(file.read()), columns=columns)
            return pd.read_parquet(path, columns=columns)
        except FileNotFoundError:
            raise HistoryError(
                f"{path} is missing: restore it, or delete its batch's other files to "
                "forget that batch."
            ) from None
        except (OSError, ValueError) as error:
            raise HistoryError(
                f"{path} is damaged ({str(error).splitlines()[0]}): restore it from a copy, "
                "or delete its batch's files to forget that batch."
            ) from None


def _fileio() -> Any:
    """Return ZenML's file I/O, with the active stack's artifact store registered."""
    from zenml.client import Client
    from zenml.io import fileio

    # boto3 says where it found the credentials on every start, on the stdout that
    # `python -m monitoring status --json` prints its JSON to.
    for name in ("botocore.credentials", "aiobotocore.credentials"):
        logging.getLogger(name).setLevel(logging.WARNING)
    store = Client().active_stack.artifact_store
    return _StackFiles(fileio, store.path)


class _StackFiles:
    """ZenML's file I/O, refusing in one line a path outside the stack's artifact store."""

    def __init__(self, fileio: Any, store: str) -> None:
        self.fileio, self.store = fileio, store

    def __getattr__(self, name: str) -> Any:
        function = getattr(self.fileio, name)

        def call(path: str, *args: Any) -> Any:
            try:
                return function(path, *args)
            except (ValueError, KeyError, RuntimeError) as error:
                raise HistoryError(
                    f"The history at {path} cannot be reached with the active stack, whose "
                    f"artifact store is {self.store} ({str(error).splitlines()[0]}): point "
                    "history_path in configs/monitoring.yaml inside it, or at a folder."
                ) from None

        return call
