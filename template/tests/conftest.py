"""Small, made-up data shared by the project's tests."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from ml.contract import build_contract
from ml.prediction import ServedModel
from ml.preprocessing import build_preprocessor, fit_and_transform
from ml.roles import infer_roles


@pytest.fixture
def mixed_frame() -> pd.DataFrame:
    """Return rows with numeric and categorical features, gaps, and a binary target."""
    rng = np.random.default_rng(0)
    size = 200
    signal = rng.normal(size=size)
    frame = pd.DataFrame(
        {
            "signal": signal,
            "noise": rng.normal(size=size),
            "colour": rng.choice(["red", "green", "blue"], size=size),
            "target": (signal > 0).astype(int),
        }
    )
    frame.loc[::10, "noise"] = np.nan
    frame.loc[::15, "colour"] = None
    return frame


@pytest.fixture
def served(mixed_frame: pd.DataFrame) -> ServedModel:
    """Return version 3 of a model trained on `mixed_frame`, with labels "yes" and "no"."""
    labelled = mixed_frame.assign(target=np.where(mixed_frame["target"] == 1, "yes", "no"))
    raw = labelled.drop(columns=["target"])
    unfitted = build_preprocessor(raw, infer_roles(raw, {}), True, 100, target_classes=2)
    features, _, preprocessor = fit_and_transform(raw, labelled["target"], raw, unfitted)
    model = LogisticRegression().fit(features, labelled["target"])
    contract = build_contract(raw, labelled["target"], "classification")
    return ServedModel(version=3, contract=contract, preprocess_pipeline=preprocessor, model=model)


def as_records(frame: pd.DataFrame) -> list[dict]:
    """Return rows as a JSON client sends them: gaps as null."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
