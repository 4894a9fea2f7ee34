"""Loading and splitting data."""

from pathlib import Path

import pandas as pd
import pytest

from ml.data import load_dataset, read_table, split_inference_holdout, split_train_test, write_table


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
    train, test = split_train_test(mixed_frame, "target", 0.25, random_state=0, stratify=True)
    assert len(test) == 50
    assert abs(train["target"].mean() - test["target"].mean()) < 0.03


def test_relative_paths_start_at_the_project(mixed_frame: pd.DataFrame, tmp_path: Path) -> None:
    written = write_table(mixed_frame, tmp_path / "out" / "rows.parquet", "predictions_path")
    assert written.is_file()
    assert len(read_table(written, "x")) == len(mixed_frame)
