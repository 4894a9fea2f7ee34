"""Loading labelled and new rows, from a bundled dataset or the user's own file."""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ml import PROJECT_ROOT
from ml.contract import repeated_names

if TYPE_CHECKING:
    from ml.settings import DataSettings

logger = logging.getLogger(__name__)


class DataError(ValueError):
    """Rows or a data file the project cannot use; the message is one line naming the fix.

    A step that fails with one is reported without a traceback (upstream.py).
    """


BUNDLED_DATASETS = {
    "breast_cancer": "load_breast_cancer",
    "wine": "load_wine",
    "iris": "load_iris",
    "digits": "load_digits",
    "diabetes": "load_diabetes",
}
READERS = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".pq": pd.read_parquet}
CSV_DELIMITERS = ",;\t|"
# Digests begun by start_file_version: the file's state when each began, and the digest.
_BEGUN_VERSIONS: dict[Path, tuple[tuple[int, ...], Future[str]]] = {}


def resolve_path(path: str | Path) -> Path:
    """Return `path` as an absolute path, reading relative paths from the project root."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def file_version(path: str | Path | None) -> str | None:
    """Return a digest of a data file's content, or None for no file or a missing one.

    Passed to loading steps as a parameter, it makes ZenML's step cache follow the
    file's content rather than its name. A digest begun by `start_file_version` is
    used once, and only if the file has not changed since it began.
    """
    if not path:
        return None
    resolved = resolve_path(path)
    begun = _BEGUN_VERSIONS.pop(resolved, None)
    if not resolved.is_file():
        return None
    if begun is not None:
        state, future = begun
        try:
            digest = future.result()
        except OSError:  # read again below: the error, if it lasts, is raised there
            digest = None
        if digest is not None and _file_state(resolved) == state:
            return digest
    return _digest(resolved)


def start_file_version(path: str | Path | None) -> None:
    """Begin `file_version(path)` in a background thread, for a later call to collect.

    Does nothing when the file cannot be found or read: `file_version` then says why.
    """
    # Reading and hashing release the GIL, so the digest runs on another core while
    # run.py imports ZenML: a 1,000,000-row batch (248 MB of Parquet) takes 0.75 s of
    # SHA-256 on a CPU without SHA instructions.
    if not path:
        return
    try:
        resolved = resolve_path(path)
        state = _file_state(resolved) if resolved.is_file() else None
    except (OSError, RuntimeError, ValueError):  # an unreadable path, or no such user (~name)
        return
    if state is None:
        return
    future: Future[str] = Future()

    def digest() -> None:
        try:
            future.set_result(_digest(resolved))
        except BaseException as error:  # noqa: BLE001 - the caller gets it from result()
            future.set_exception(error)

    _BEGUN_VERSIONS[resolved] = (state, future)
    threading.Thread(target=digest, name=f"digest {resolved.name}", daemon=True).start()


def _file_state(path: Path) -> tuple[int, ...]:
    """Return what changes when the file is written or replaced, even with its old mtime."""
    status = path.stat()
    return status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns


def _digest(path: Path) -> str:
    """Return the SHA-256 of the file's bytes, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_table(path: str | Path, setting: str) -> pd.DataFrame:
    """Read a CSV or Parquet file; `setting` names the config key that points at it.

    Raises an error that names the file and what to fix when it is missing, has an
    unsupported extension, cannot be parsed, names a column twice or holds no rows.
    """
    resolved = resolve_path(path)
    reader = READERS.get(resolved.suffix.lower())
    if reader is None:
        raise DataError(
            f"{resolved} is neither CSV nor Parquet: point `{setting}` in configs/ at a "
            ".csv, .parquet or .pq file."
        )
    if not resolved.is_file():
        raise FileNotFoundError(
            f"The data file {resolved} does not exist: fix `{setting}` in configs/ "
            "(relative paths start at the project folder)."
        )
    options = {"sep": csv_delimiter(resolved)} if reader is pd.read_csv else {}
    try:
        repeated = repeated_names(written_header(resolved, options))
        frame = None if repeated else reader(resolved, **options)
    except Exception as error:
        raise DataError(f"Cannot read {resolved} ({setting}): {error}") from error
    if frame is None:
        raise DataError(
            f"{resolved} ({setting}) names a column more than once "
            f"({', '.join(repeated)}): keep one column of each name."
        )
    if frame.empty:
        raise DataError(f"The data file {resolved} ({setting}) holds no rows.")
    return frame


def written_header(path: Path, csv_options: dict[str, str]) -> list[str]:
    """Return a file's column names as written, repeats included.

    pandas renames a repeated CSV name ('num1' becomes 'num1.1') and cannot read a
    Parquet file that repeats one, so the names are read on their own.
    """
    if path.suffix.lower() == ".csv":
        first = pd.read_csv(path, header=None, nrows=1, dtype=str, **csv_options)
        return [str(name) for name in first.iloc[0]]
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def csv_delimiter(path: Path) -> str:
    """Return the delimiter of a CSV file's header: a comma, semicolon, tab or bar.

    Spreadsheets in many locales write semicolons; read with commas, such a file seems
    to hold one column named after the whole header.
    """
    import csv

    with path.open(newline="", errors="replace") as handle:
        header = handle.readline()
    try:
        return csv.Sniffer().sniff(header, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","


def load_bundled(name: str, target_column: str) -> pd.DataFrame:
    """Return a dataset bundled with scikit-learn, its label in `target_column`."""
    if name not in BUNDLED_DATASETS:
        known = ", ".join(sorted(BUNDLED_DATASETS))
        raise DataError(
            f"Unknown dataset '{name}'. Use one of {known}, or 'custom' with "
            "`dataset_path`, under data in configs/training.yaml."
        )
    from sklearn import datasets

    bunch = getattr(datasets, BUNDLED_DATASETS[name])(as_frame=True)
    return bunch.frame.rename(columns={bunch.target.name: target_column})


def load_dataset(dataset: str, dataset_path: str | None, target_column: str) -> pd.DataFrame:
    """Return all labelled rows, from the bundled `dataset` or from `dataset_path`.

    Rows without a target are dropped, and how many is logged.
    """
    if dataset == "custom":
        if not dataset_path:
            raise DataError("`dataset: custom` needs `dataset_path` in configs/.")
        frame = read_table(dataset_path, "dataset_path")
    else:
        frame = load_bundled(dataset, target_column)
    if target_column not in frame.columns:
        raise DataError(
            f"The target column '{target_column}' is not in the data; its columns are: "
            f"{', '.join(map(str, frame.columns))}. Fix `target_column` in configs/."
        )
    labelled = frame.dropna(subset=[target_column])
    if len(labelled) < len(frame):
        logger.warning(
            "Dropped %d of %d rows whose target '%s' is missing.",
            len(frame) - len(labelled),
            len(frame),
            target_column,
        )
    if labelled.empty:
        raise DataError(f"No row of the data has a value in '{target_column}'.")
    return labelled


def split_inference_holdout(
    frame: pd.DataFrame, inference_share: float, random_state: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split off a fixed, seeded share of rows for batch inference.

    Returns the rows left for training and the held-out rows, in that order; the same
    seed always holds out the same rows, so training never sees the inference data. A
    share of 0 holds out nothing: new rows then come from a file of their own.
    """
    if not 0.0 <= inference_share < 1.0:
        raise DataError(f"inference_share must be at least 0 and below 1, not {inference_share}.")
    held_out = frame.sample(frac=inference_share, random_state=random_state)
    return frame.drop(index=held_out.index), held_out


def load_held_out_rows(data: DataSettings, trained_on: str | None, version: str) -> pd.DataFrame:
    """Return the labelled rows that model `version` held out of training.

    `data` is the version's own data settings and `trained_on` the digest of the file it
    was trained on; rows are refused when the version held none out or the file has
    changed since, because then they could be rows the model was trained on.
    """
    fix = "set inference_data_path in configs/batch_inference.yaml to a file of new rows"
    if data.inference_share == 0:
        raise DataError(
            f"Model version {version} was trained on every labelled row, so none is held "
            f"out for batch inference: {fix}."
        )
    if data.dataset_path and not resolve_path(data.dataset_path).is_file():
        raise FileNotFoundError(
            f"{data.dataset_path}, which model version {version} was trained on, no longer "
            f"exists, so its held-out rows are not known: {fix}, or train again."
        )
    if data.dataset_path and file_version(data.dataset_path) != trained_on:
        raise DataError(
            f"{data.dataset_path} has changed since model version {version} was trained on "
            f"it, so its held-out rows are no longer known: {fix}, or train again."
        )
    labelled = load_dataset(data.dataset, data.dataset_path, data.target_column)
    _, held_out = split_inference_holdout(labelled, data.inference_share, data.random_state)
    return held_out


def split_train_test(
    frame: pd.DataFrame,
    target_column: str,
    test_size: float,
    random_state: int,
    stratify: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """Split labelled rows into training and test features and targets.

    This is where the target leaves the features, once; stratified on request.
    Returns the training features, the test features, and their targets.
    """
    from sklearn.model_selection import train_test_split

    target = frame[target_column]
    if stratify:
        check_classes(target)
        check_stratified_sizes(target, test_size)
    features_trn, features_tst, target_trn, target_tst = train_test_split(
        frame.drop(columns=[target_column]),
        target,
        test_size=test_size,
        random_state=random_state,
        stratify=target if stratify else None,
    )
    return features_trn, features_tst, target_trn, target_tst


def check_classes(target: pd.Series) -> None:
    """Raise a DataError naming the problem when a target cannot train a classifier.

    A classifier needs two classes at least, and a stratified split two rows of each.
    """
    counts = target.value_counts()
    if len(counts) < 2:
        only = str(counts.index[0]) if len(counts) else "none"
        raise DataError(
            f"The target column '{target.name}' holds one class ({only}): a classifier "
            "needs at least two. Check target_column in configs/training.yaml, or use a "
            "regression project for a quantity."
        )
    rare = counts[counts < 2]
    if not rare.empty:
        raise DataError(
            f"The class {rare.index[0]} of '{target.name}' has a single row, too few to "
            "split into training and test rows: add rows of it, or drop them."
        )


def check_stratified_sizes(target: pd.Series, test_size: float) -> None:
    """Raise a DataError naming the fix when a stratified split cannot hold every class.

    The split puts each class in both the training and the test rows, so each needs at
    least as many rows as there are classes; the sizes are computed as scikit-learn does.
    """
    classes = target.nunique()
    test_rows = math.ceil(test_size * len(target))
    train_rows = math.floor((1 - test_size) * len(target))
    for part, rows in (("test", test_rows), ("training", train_rows)):
        if rows < classes:
            raise DataError(
                f"The {part} split of {len(target)} rows holds {rows}, fewer than the "
                f"{classes} classes of '{target.name}' a stratified split puts in it: add "
                f"rows, or change preprocessing.test_size ({test_size}) in "
                "configs/training.yaml."
            )


def write_table(frame: pd.DataFrame, path: str | Path, setting: str) -> Path:
    """Write `frame` as CSV or Parquet, by the extension of `path`; return where."""
    resolved = resolve_path(path)
    suffix = resolved.suffix.lower()
    if suffix not in READERS:
        raise DataError(
            f"{resolved} is neither CSV nor Parquet: give `{setting}` in configs/ a "
            ".csv, .parquet or .pq extension."
        )
    resolved.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.to_csv(resolved)
    else:
        frame.to_parquet(resolved)
    return resolved
