"""The preprocessing pipeline fitted in training and reused at inference."""

import pandas as pd
import pytest

from ml.preprocessing import fit_and_transform, transform


def test_fit_on_train_imputes_scales_and_encodes(mixed_frame: pd.DataFrame) -> None:
    train, test = mixed_frame.iloc[:150], mixed_frame.iloc[150:]
    features_trn, features_tst, _ = fit_and_transform(train, test, "target", normalize=True)
    assert not features_trn.isna().any().any()
    assert not features_tst.isna().any().any()
    assert abs(features_trn["signal"].mean()) < 1e-9
    assert {"colour_red", "colour_green", "colour_blue"} <= set(features_trn.columns)
    assert features_trn["target"].equals(train["target"])


def test_inference_tolerates_unseen_categories_and_a_missing_target(
    mixed_frame: pd.DataFrame,
) -> None:
    _, _, preprocessor = fit_and_transform(
        mixed_frame, mixed_frame.iloc[:5], "target", normalize=False
    )
    new_rows = mixed_frame.drop(columns=["target"]).iloc[:3].assign(colour="purple")
    features = transform(preprocessor, new_rows, "target")
    assert "target" not in features.columns
    assert (features[["colour_red", "colour_green", "colour_blue"]] == 0).all().all()


def test_dropped_columns_must_exist(mixed_frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="do not exist: shoe_size"):
        fit_and_transform(
            mixed_frame, mixed_frame, "target", normalize=True, drop_columns=["shoe_size"]
        )
