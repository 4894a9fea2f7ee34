"""Column roles: inferred from the training rows, overridden from the config."""

import numpy as np
import pandas as pd
import pytest

from ml.roles import infer_roles


@pytest.fixture
def table() -> pd.DataFrame:
    """Return rows with one column of each role."""
    rng = np.random.default_rng(0)
    size = 400
    return pd.DataFrame(
        {
            "amount": rng.normal(size=size),
            "count": rng.integers(0, 30, size),
            "measured": rng.normal(size=size) * 1000,  # floats, all distinct: a measurement
            "plan": rng.choice(["basic", "plus", "pro"], size),
            "flag": rng.choice([True, False], size),
            "code": [f"C{number}" for number in rng.integers(0, 150, size)],
            "when": pd.date_range("2024-01-01", periods=size, freq="h").astype(str),
            "stamp": pd.date_range("2024-01-01", periods=size, freq="D"),
            "order_id": [f"ORD-{number:06d}" for number in range(size)],
            "row_number": np.arange(size),
            "remark": [f"bag left at gate {number}" for number in range(size)],
            "income": rng.integers(20_000, 200_000, size),
            "education": rng.choice(["Less than high school", "High school graduate"], size),
            "nothing": [None] * size,
        }
    )


def test_each_role_is_inferred(table: pd.DataFrame) -> None:
    assert infer_roles(table, {}) == {
        "amount": "numeric",
        "count": "numeric",
        "measured": "numeric",
        "plan": "categorical",
        "flag": "categorical",
        "code": "high_cardinality",
        "when": "datetime",
        "stamp": "datetime",
        "order_id": "identifier",
        "row_number": "identifier",
        "remark": "text",
        "income": "numeric",
        "education": "categorical",
        "nothing": "empty",
    }


def test_left_out_columns_are_logged(table: pd.DataFrame, caplog: pytest.LogCaptureFixture) -> None:
    infer_roles(table, {})
    assert "order_id (identifier), row_number (identifier), remark (text)" in caplog.text
    assert "nothing (empty)" in caplog.text


def test_overrides_apply(table: pd.DataFrame) -> None:
    roles = infer_roles(table, {"code": "categorical", "row_number": "numeric"})
    assert roles["code"] == "categorical" and roles["row_number"] == "numeric"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"shoe_size": "numeric"}, "names 'shoe_size', which is not a feature column"),
        ({"plan": "ordinal"}, "gives 'plan' the role 'ordinal': use one of numeric,"),
        ({"plan": "numeric"}, "makes 'plan' numeric, but it holds text"),
        ({"amount": "datetime"}, "makes 'amount' a datetime, but it holds numbers"),
    ],
)
def test_bad_overrides_are_named_with_the_fix(
    table: pd.DataFrame, overrides: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        infer_roles(table, overrides)
