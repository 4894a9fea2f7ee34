"""The data contract recorded in training and enforced on new rows."""

import numpy as np
import pandas as pd
import pytest

from ml.contract import ContractViolation, build_contract, enforce_contract, fingerprint
from serving.http import RequestError, parse_rows


@pytest.fixture
def contract(mixed_frame: pd.DataFrame) -> dict:
    return build_contract(
        mixed_frame.drop(columns=["target"]), mixed_frame["target"], "classification"
    )


def test_contract_describes_the_training_rows(mixed_frame: pd.DataFrame, contract: dict) -> None:
    assert contract["columns"]["signal"]["kind"] == "numeric"
    assert contract["columns"]["colour"] == {
        "kind": "categorical",
        "dtype": "object",
        "categories": ["blue", "green", "red"],
    }
    assert contract["target_classes"] == ["0", "1"]
    assert contract["rows"] == 200
    features, target = mixed_frame.drop(columns=["target"]), mixed_frame["target"]
    assert contract["fingerprint"] == fingerprint(features, target)
    assert contract["fingerprint"] != fingerprint(features.iloc[1:], target.iloc[1:])
    assert contract["fingerprint"] != fingerprint(features, 1 - target)


def test_matching_rows_come_back_in_training_order(
    mixed_frame: pd.DataFrame, contract: dict
) -> None:
    new = mixed_frame.drop(columns=["target"])[["colour", "noise", "signal"]]
    checked, warnings = enforce_contract(new, contract)
    assert list(checked.columns) == ["signal", "noise", "colour"]
    assert warnings == []


def test_rows_already_in_training_order_are_not_copied(
    mixed_frame: pd.DataFrame, contract: dict
) -> None:
    # A copy of a large batch is its size again in memory.
    new = mixed_frame.drop(columns=["target"])
    checked, _ = enforce_contract(new, contract)
    assert checked is new


def test_the_target_column_is_dropped_without_a_warning(
    mixed_frame: pd.DataFrame, contract: dict
) -> None:
    checked, warnings = enforce_contract(mixed_frame, contract)
    assert list(checked.columns) == ["signal", "noise", "colour"]
    assert warnings == []


def test_extra_columns_are_dropped_with_a_warning(
    mixed_frame: pd.DataFrame, contract: dict
) -> None:
    new = mixed_frame.drop(columns=["target"]).assign(shoe_size=42)
    checked, warnings = enforce_contract(new, contract)
    assert "shoe_size" not in checked.columns
    assert warnings == ["Dropped columns the model was not trained on: shoe_size."]


def test_missing_columns_are_named(mixed_frame: pd.DataFrame, contract: dict) -> None:
    with pytest.raises(
        ContractViolation, match="lacks columns the model was trained on: noise, colour"
    ):
        enforce_contract(mixed_frame[["signal"]], contract)


def test_a_changed_type_names_the_column_and_both_types(
    mixed_frame: pd.DataFrame, contract: dict
) -> None:
    new = mixed_frame.drop(columns=["target"]).assign(signal="high")
    with pytest.raises(ContractViolation, match=r"'signal' was numeric \(float64\) .* categorical"):
        enforce_contract(new, contract)


def test_a_column_of_only_gaps_is_left_to_imputation(
    mixed_frame: pd.DataFrame, contract: dict
) -> None:
    new = mixed_frame.drop(columns=["target"]).assign(colour=np.nan)
    assert enforce_contract(new, contract)[0]["colour"].isna().all()


def test_empty_rows_are_refused(mixed_frame: pd.DataFrame, contract: dict) -> None:
    with pytest.raises(ContractViolation, match="holds no rows"):
        enforce_contract(mixed_frame.iloc[:0], contract)


def test_rows_that_name_a_column_twice_are_refused(
    mixed_frame: pd.DataFrame, contract: dict
) -> None:
    rows = mixed_frame.drop(columns=["target"])
    twice = pd.concat([rows, rows[["signal"]]], axis=1)
    with pytest.raises(ContractViolation, match=r"names a column more than once \(signal\)"):
        enforce_contract(twice, contract)


def test_a_request_that_names_a_key_twice_gets_422() -> None:
    body = b'{"parameters": {"rows": [{"num1": 1, "num2": 2, "num1": 3}]}}'
    with pytest.raises(RequestError) as refused:
        parse_rows(body)
    assert refused.value.status == 422
    assert refused.value.detail == (
        "An object in the body names a key more than once (num1): send it once."
    )
    assert parse_rows(b'{"parameters": {"rows": [{"num1": 1}, {"num1": 2}]}}') == [
        {"num1": 1},
        {"num1": 2},
    ]
