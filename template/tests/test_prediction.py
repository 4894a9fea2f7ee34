"""The one prediction path that batch inference and the online service share."""

import numpy as np
import pandas as pd
import pytest
from conftest import as_records
from sklearn.linear_model import LogisticRegression

from ml.contract import ContractViolation, build_contract
from ml.prediction import ServedModel, predict, records_to_frame
from ml.preprocessing import build_preprocessor, fit_and_transform
from ml.roles import infer_roles


def test_labels_and_probabilities_come_in_row_order_and_the_users_labels(
    mixed_frame: pd.DataFrame, served: ServedModel
) -> None:
    rows = mixed_frame.drop(columns=["target"]).iloc[::-1]
    result = predict(rows, served)
    assert set(result.labels) == {"yes", "no"}
    assert list(result.probabilities.columns) == ["no", "yes"]
    assert list(result.probabilities.index) == list(rows.index)
    expected = np.where(result.probabilities["yes"] > 0.5, "yes", "no")
    assert list(result.labels) == list(expected)
    outputs = result.as_outputs(served.version)
    assert outputs["model_version"] == 3 and outputs["warnings"] == []
    assert outputs["predictions"] == list(result.labels)
    assert predict(rows, served, with_probabilities=False).probabilities is None


def test_json_records_with_nulls_predict_as_the_file_rows_do(
    mixed_frame: pd.DataFrame, served: ServedModel
) -> None:
    rows = mixed_frame.drop(columns=["target"])
    from_file = predict(rows, served).labels
    from_json = predict(records_to_frame(as_records(rows)), served).labels
    assert list(from_json) == list(from_file)
    only_gaps = records_to_frame(as_records(rows.assign(noise=np.nan)))
    assert only_gaps["noise"].isna().all()
    assert len(predict(only_gaps, served).labels) == len(rows)


def test_the_target_column_is_ignored_and_extra_columns_warned_about(
    mixed_frame: pd.DataFrame, served: ServedModel
) -> None:
    result = predict(mixed_frame.assign(shoe_size=42), served)
    assert result.warnings == ["Dropped columns the model was not trained on: shoe_size."]


def test_rows_that_break_the_contract_are_refused_with_the_column_named(
    mixed_frame: pd.DataFrame, served: ServedModel
) -> None:
    with pytest.raises(ContractViolation, match="lacks columns the model was trained on: colour"):
        predict(mixed_frame.drop(columns=["colour"]), served)
    with pytest.raises(ContractViolation, match="Row 1 is a list"):
        records_to_frame([{"signal": 1.0}, [1.0]])
    for value, kind in (["red"], "a list"), ({"name": "red"}, "an object"):
        with pytest.raises(ContractViolation, match=f"Column 'colour' holds {kind} in row 1: "):
            records_to_frame([{"colour": "red"}, {"signal": 1.0, "colour": value}])


def test_rows_without_any_feature_value_are_predicted_with_a_warning(
    mixed_frame: pd.DataFrame, served: ServedModel
) -> None:
    rows = mixed_frame.drop(columns=["target"]).head(5)
    records = as_records(rows)
    records[1] = records[3] = {"signal": None, "noise": None, "colour": None}
    result = predict(records_to_frame(records), served)
    assert len(result.labels) == 5
    assert result.warnings == [
        "2 of 5 rows hold no feature value: their predictions rest on imputed values alone."
    ]
    assert predict(rows, served).warnings == []


def test_columns_the_model_leaves_out_may_be_absent(mixed_frame: pd.DataFrame) -> None:
    labelled = mixed_frame.assign(order_id=[f"O-{number:05d}" for number in range(200)])
    raw = labelled.drop(columns=["target"])
    roles = infer_roles(raw, {})
    assert roles["order_id"] == "identifier"
    unfitted = build_preprocessor(raw, roles, True, 100, target_classes=2)
    features, _, preprocessor = fit_and_transform(raw, labelled["target"], raw, unfitted)
    model = LogisticRegression().fit(features, labelled["target"])
    contract = build_contract(raw, labelled["target"], "classification", roles)
    served = ServedModel(1, contract, preprocessor, model)
    without = predict(mixed_frame.drop(columns=["target"]), served)
    assert list(without.labels) == list(predict(raw, served).labels)
