"""Loading and splitting data."""

import hashlib
import os
import threading
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ml import data
from ml.data import (
    file_version,
    load_dataset,
    load_held_out_rows,
    read_table,
    split_inference_holdout,
    split_train_test,
    start_file_version,
    write_table,
)
from ml.settings import DataSettings


def test_bundled_dataset_has_its_target_column() -> None:
    frame = load_dataset("breast_cancer", None, "label")
    assert "label" in frame.columns
    assert len(frame) == 569


def test_unknown_dataset_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="breast_cancer"):
        load_dataset("titanic", None, "target")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_own_file_drops_rows_without_target(
    mixed_frame: pd.DataFrame, tmp_path: Path, suffix: str, caplog: pytest.LogCaptureFixture
) -> None:
    frame = mixed_frame.astype({"target": "float"})
    frame.loc[:4, "target"] = None
    path = write_table(frame, tmp_path / f"data{suffix}", "dataset_path")
    loaded = load_dataset("custom", str(path), "target")
    assert len(loaded) == len(frame) - 5
    assert "Dropped 5 of 200 rows" in caplog.text


def test_own_file_must_name_an_existing_target(mixed_frame: pd.DataFrame, tmp_path: Path) -> None:
    path = write_table(mixed_frame, tmp_path / "data.csv", "dataset_path")
    with pytest.raises(ValueError, match="'label' is not in the data; its columns are"):
        load_dataset("custom", str(path), "label")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("data.xlsx", "a,b", "neither CSV nor Parquet"),
        ("missing.csv", None, "does not exist"),
        ("empty.csv", "a,b\n", "holds no rows"),
        ("broken.parquet", "not parquet", "Cannot read"),
    ],
)
def test_bad_files_get_a_clear_error(
    tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        read_table(path, "dataset_path")


def test_inference_holdout_is_fixed_by_the_seed_and_disjoint(mixed_frame: pd.DataFrame) -> None:
    train, held_out = split_inference_holdout(mixed_frame, 0.1, random_state=7)
    again, held_out_again = split_inference_holdout(mixed_frame, 0.1, random_state=7)
    assert held_out.index.equals(held_out_again.index)
    assert train.index.equals(again.index)
    assert set(train.index).isdisjoint(held_out.index)
    assert len(train) + len(held_out) == len(mixed_frame)


def test_split_is_stratified(mixed_frame: pd.DataFrame) -> None:
    rows_trn, rows_tst, target_trn, target_tst = split_train_test(
        mixed_frame, "target", 0.25, random_state=0, stratify=True
    )
    assert len(rows_tst) == len(target_tst) == 50
    assert "target" not in rows_trn.columns and target_trn.name == "target"
    assert rows_trn.index.equals(target_trn.index)
    assert abs(target_trn.mean() - target_tst.mean()) < 0.03


def test_relative_paths_start_at_the_project(mixed_frame: pd.DataFrame, tmp_path: Path) -> None:
    written = write_table(mixed_frame, tmp_path / "out" / "rows.parquet", "predictions_path")
    assert written.is_file()
    assert len(read_table(written, "x")) == len(mixed_frame)


def test_held_out_rows_are_exactly_the_rows_training_never_saw(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": range(200), "target": [0, 1] * 100})
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    data = DataSettings(
        dataset="custom",
        dataset_path=str(path),
        target_column="target",
        task_type="classification",
        inference_share=0.2,
        random_state=3,
    )
    training_rows, _ = split_inference_holdout(frame, data.inference_share, data.random_state)
    held_out = load_held_out_rows(data, file_version(path), "1")
    assert len(held_out) == 40
    assert set(held_out["x"]).isdisjoint(training_rows["x"])


def test_held_out_rows_are_refused_when_none_were_held_out_or_the_file_changed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rows.csv"
    pd.DataFrame({"x": range(20), "target": [0, 1] * 10}).to_csv(path, index=False)
    settings = {
        "dataset": "custom",
        "dataset_path": str(path),
        "target_column": "target",
        "task_type": "classification",
        "random_state": 3,
    }
    digest = file_version(path)
    with pytest.raises(ValueError, match="trained on every labelled row"):
        load_held_out_rows(DataSettings(**settings, inference_share=0.0), digest, "2")
    path.write_text(path.read_text() + "99,1\n")
    with pytest.raises(ValueError, match="has changed since model version 2 was trained"):
        load_held_out_rows(DataSettings(**settings, inference_share=0.1), digest, "2")


def test_a_digest_begun_in_the_background_is_used_once_and_not_after_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digested = []  # for each digest taken: whether it ran in the main thread
    digest = data._digest

    def counted(path: Path) -> str:
        digested.append(threading.current_thread() is threading.main_thread())
        return digest(path)

    monkeypatch.setattr(data, "_digest", counted)
    path = tmp_path / "rows.csv"
    path.write_bytes(b"x,target\n" + b"1,0\n" * 300_000)
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    start_file_version(path)
    assert file_version(path) == expected
    assert digested == [False]  # read once, in the background
    assert file_version(path) == expected
    assert digested == [False, True]  # used once: a second call reads the file again

    # Replaced by other bytes of the same size, with the old modification time put
    # back (as cp -p or rsync -a do): the file is digested again.
    start_file_version(path)
    status = path.stat()
    path.write_bytes(path.read_bytes().replace(b"1,0", b"2,1"))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    changed = hashlib.sha256(path.read_bytes()).hexdigest()
    assert file_version(path) == changed != expected
    assert digested[2:] == [False, True]

    start_file_version(path)
    path.unlink()
    assert file_version(path) is None
    for missing in (None, tmp_path / "missing.csv", tmp_path, "~no-such-user-here/rows.csv"):
        start_file_version(missing)  # nothing to begin, and no error: file_version says
    assert file_version(tmp_path / "missing.csv") is None


def test_a_semicolon_delimited_csv_reads_as_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("age;plan;churned\n31;basic;no\n45;pro;yes\n")
    frame = read_table(path, "dataset_path")
    assert list(frame.columns) == ["age", "plan", "churned"]
    assert frame["age"].tolist() == [31, 45]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ([1] * 10, r"The target column 'churned' holds one class \(1\): a classifier needs"),
        ([0, 1] * 5 + [2], r"The class 2 of 'churned' has a single row"),
        (
            [0, 1, 2] * 2,
            r"^The test split of 6 rows holds 2, fewer than the 3 classes of 'churned' a "
            r"stratified split puts in it: add rows, or change preprocessing.test_size \(0.3\) "
            r"in configs/training.yaml.$",
        ),
    ],
)
def test_a_target_that_cannot_train_a_classifier_is_named(target: list, message: str) -> None:
    frame = pd.DataFrame({"x": range(len(target)), "churned": target})
    with pytest.raises(ValueError, match=message):
        split_train_test(frame, "churned", 0.3, random_state=0, stratify=True)


@pytest.mark.parametrize("name", ["rows.csv", "rows.parquet"])
def test_a_file_that_names_a_column_twice_is_refused_in_one_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text("num1,num2,num1,target\n1,2,3,0\n4,5,6,1\n")
    else:  # pandas refuses to write repeated names; pyarrow writes them
        columns = [pa.array([1, 4]), pa.array([2, 5]), pa.array([3, 6]), pa.array([0, 1])]
        table = pa.Table.from_arrays(columns, names=["num1", "num2", "num1", "target"])
        pq.write_table(table, path)
    with pytest.raises(ValueError) as refused:
        read_table(path, "dataset_path")
    message = str(refused.value)
    assert message == (
        f"{path} (dataset_path) names a column more than once (num1): keep one column of each name."
    )
