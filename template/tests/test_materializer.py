"""The Parquet materializer records the same statistics as pandas computes."""

import math

import numpy as np
import pandas as pd
import pytest

from materializers.fast_parquet import FastParquetMaterializer


@pytest.fixture
def materializer() -> FastParquetMaterializer:
    """Return the materializer without an artifact store: metadata needs none."""
    return FastParquetMaterializer.__new__(FastParquetMaterializer)


def test_statistics_match_pandas_with_gaps_flags_and_nullable_integers(materializer) -> None:
    frame = pd.DataFrame(
        {
            "value": [1.5, np.nan, 3.0, 10.0],
            "flag": [True, False, True, True],
            "count": pd.array([1, None, 4, 2], dtype="Int64"),
            "label": ["a", "b", None, "a"],
            "empty": [np.nan] * 4,
        }
    )
    metadata = materializer.extract_metadata(frame)
    assert metadata["shape"] == (4, 5)
    assert set(metadata["mean"]) == {"value", "flag", "count", "empty"}
    for statistic in ("mean", "std", "min", "max"):
        expected = getattr(frame[["value", "flag", "count"]].astype(float), statistic)()
        for column, value in expected.items():
            assert metadata[statistic][column] == pytest.approx(value)
        assert math.isnan(metadata[statistic]["empty"])


def test_an_empty_frame_has_metadata_too(materializer) -> None:
    metadata = materializer.extract_metadata(pd.DataFrame({"value": pd.Series([], dtype=float)}))
    assert metadata["shape"] == (0, 1)
    assert math.isnan(metadata["mean"]["value"])


def test_every_step_stores_its_data_frames_as_snappy_parquet() -> None:
    import steps.etl
    import steps.inference

    frames = [
        (name, output_name)
        for module in (steps.etl, steps.inference)
        for name in module.__all__
        for output_name, output in getattr(module, name).entrypoint_definition.outputs.items()
        if output.resolved_annotation in (pd.DataFrame, pd.Series)
    ]
    assert len(frames) >= 9
    for name, output_name in frames:
        step = getattr(steps.etl, name, None) or getattr(steps.inference, name)
        configured = step.configuration.outputs.get(output_name)
        sources = configured.materializer_source if configured else ()
        assert [source.attribute for source in sources] == ["FastParquetMaterializer"], (
            f"{name}.{output_name}"
        )


def test_outputs_are_configured_in_their_signature_order() -> None:
    # ZenML hashes the configured outputs in this order into each step's cache key.
    import steps.etl
    import steps.inference

    for module in (steps.etl, steps.inference):
        for name in module.__all__:
            step = getattr(module, name)
            configured = list(step.configuration.outputs)
            in_signature = [o for o in step.entrypoint_definition.outputs if o in configured]
            assert configured == in_signature, name
