"""Small, made-up data shared by the project's tests."""

import numpy as np
import pandas as pd
import pytest


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
