"""The preprocessing pipeline fitted in training and reused at inference."""

import logging

import numpy as np
import pandas as pd
import pytest

from ml.preprocessing import build_preprocessor, fit_and_transform, inference_warnings, transform
from ml.roles import infer_roles


def fit(train: pd.DataFrame, test: pd.DataFrame, max_features: int = 100, **options):
    """Fit a preprocessor for the target column `target`, roles inferred."""
    features = train.drop(columns=["target"])
    preprocessor = build_preprocessor(
        features,
        infer_roles(features, options.pop("column_roles", {})),
        options.pop("normalize", True),
        max_features,
        target_classes=train["target"].nunique(),
        **options,
    )
    rows_tst = test.drop(columns=["target"], errors="ignore")
    return fit_and_transform(features, train["target"], rows_tst, preprocessor)


def test_fit_on_train_imputes_scales_and_encodes(mixed_frame: pd.DataFrame) -> None:
    train, test = mixed_frame.iloc[:150], mixed_frame.iloc[150:]
    features_trn, features_tst, _ = fit(train, test)
    assert not features_trn.isna().any().any()
    assert not features_tst.isna().any().any()
    assert abs(features_trn["signal"].mean()) < 1e-9
    assert {"colour_red", "colour_green", "colour_blue"} <= set(features_trn.columns)
    assert "target" not in features_trn.columns and "target" not in features_tst.columns


def test_unseen_categories_are_predicted_and_named(mixed_frame: pd.DataFrame) -> None:
    _, _, preprocessor = fit(mixed_frame, mixed_frame.iloc[:5], normalize=False)
    new_rows = mixed_frame.drop(columns=["target"]).iloc[:3].assign(colour="purple")
    features = transform(preprocessor, new_rows)
    assert "target" not in features.columns
    assert (features[["colour_red", "colour_green", "colour_blue"]] == 0).all().all()
    assert inference_warnings(preprocessor, new_rows) == [
        "Column 'colour': 3 of 3 rows hold categories training never saw; they are "
        "predicted as an unknown category."
    ]


def test_dropped_columns_must_exist(mixed_frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="do not exist: shoe_size"):
        fit(mixed_frame, mixed_frame, drop_columns=["shoe_size"])


def test_many_levels_stay_within_the_width_bound(caplog: pytest.LogCaptureFixture) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {f"code_{i}": rng.choice(list("abcdefghijklmnopqrst"), 500) for i in range(8)}
    )
    frame["amount"] = rng.normal(size=500)
    frame["target"] = rng.choice(["x", "y"], 500)
    features_trn, _, _ = fit(frame, frame, max_features=41)
    assert features_trn.shape[1] <= 41
    assert any(name.endswith("infrequent_sklearn") for name in features_trn.columns)
    with caplog.at_level(logging.WARNING):
        narrow, _, _ = fit(frame, frame, max_features=5)
    assert "over max_features (5)" in caplog.text
    assert narrow.shape[1] == 1 + 8 * 2  # numeric first, then the smallest width


def test_high_cardinality_is_target_encoded_one_column_per_class() -> None:
    rng = np.random.default_rng(1)
    codes = [f"K{number:03d}" for number in rng.integers(0, 300, 3000)]
    frame = pd.DataFrame({"code": codes, "target": rng.choice(["a", "b", "c"], 3000)})
    features_trn, features_tst, preprocessor = fit(frame, frame.iloc[:10])
    roles = {"code": "high_cardinality"}
    assert infer_roles(frame.drop(columns=["target"]), {}) == roles
    assert features_trn.shape[1] == 3
    binary = frame.assign(target=np.where(frame["target"] == "a", "a", "other"))
    assert fit(binary, binary)[0].shape[1] == 1
    unseen = pd.DataFrame({"code": ["never-seen"]})
    assert len(transform(preprocessor, unseen)) == 1
    assert "'code': 1 of 1 rows hold categories" in inference_warnings(preprocessor, unseen)[0]


def test_dates_as_text_become_calendar_parts_and_bad_dates_are_named() -> None:
    moments = pd.date_range("2024-01-01 06:00", periods=200, freq="37h")
    frame = pd.DataFrame({"when": moments.strftime("%d/%m/%Y %H:%M"), "target": np.arange(200) % 2})
    features_trn, _, preprocessor = fit(frame, frame, normalize=False)
    assert list(features_trn.columns) == [
        "when__year",
        "when__month",
        "when__day_of_week",
        "when__hour",
    ]
    assert features_trn["when__month"].tolist() == moments.month.tolist()
    one_row = pd.DataFrame({"when": ["03/02/2025 17:30"]})  # the format learnt: 3 February
    parts = transform(preprocessor, one_row).iloc[0]
    assert (parts["when__month"], parts["when__hour"]) == (2, 17)
    bad = pd.DataFrame({"when": ["soon", None, "03/02/2025 17:30"]})
    assert len(transform(preprocessor, bad)) == 3
    assert inference_warnings(preprocessor, bad) == [
        "Column 'when': 1 of 3 rows hold values that do not read as dates; their date "
        "parts are filled as missing."
    ]


def test_iso_dates_from_json_clients_read_whatever_the_training_format() -> None:
    moments = pd.date_range("2024-01-01 06:00", periods=100, freq="7h")
    frame = pd.DataFrame({"when": moments.strftime("%Y-%m-%d %H:%M:%S"), "target": 1.0})
    _, _, preprocessor = fit(frame.assign(target=np.arange(100.0)), frame)
    iso = pd.DataFrame({"when": ["2025-03-04T10:00:00Z", "2025-03-04"]})
    assert inference_warnings(preprocessor, iso) == []


def test_a_whole_number_quantity_is_target_encoded_as_one_column() -> None:
    rng = np.random.default_rng(2)
    codes = [f"K{number:03d}" for number in rng.integers(0, 300, 2000)]
    frame = pd.DataFrame({"code": codes, "target": rng.integers(0, 300, 2000)})
    features = frame.drop(columns=["target"])
    preprocessor = build_preprocessor(features, infer_roles(features, {}), True, 100)
    features_trn, _, _ = fit_and_transform(features, frame["target"], features, preprocessor)
    assert list(features_trn.columns) == ["code"]


def test_float_categories_are_read_value_by_value() -> None:
    frame = pd.DataFrame({"grade": [1.0, 2.0, 3.0] * 30, "target": [0, 1, 1] * 30})
    _, _, preprocessor = fit(frame, frame, column_roles={"grade": "categorical"})
    new = pd.DataFrame({"grade": [1.0, 2.0, 2.5]})
    assert "'grade': 1 of 3 rows hold categories" in inference_warnings(preprocessor, new)[0]
