"""Loading and splitting data."""

import pandas as pd
import pytest

from ml.data import load_dataset, split_inference_holdout, split_train_test


def test_bundled_dataset_has_its_target_column() -> None:
    frame = load_dataset("breast_cancer", "label")
    assert "label" in frame.columns
    assert len(frame) == 569


def test_unknown_dataset_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="breast_cancer"):
        load_dataset("titanic", "target")


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


def test_split_names_a_missing_target(mixed_frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="'label' is not in the data"):
        split_train_test(mixed_frame, "label", 0.25, random_state=0, stratify=False)
