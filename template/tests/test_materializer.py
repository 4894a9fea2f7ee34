"""The Parquet materializer stores frames faithfully and records pandas' statistics."""

import math
import os
from pathlib import Path
from typing import Any

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


@pytest.fixture
def local_store(tmp_path: Path) -> Any:
    """Return a real local ZenML artifact store in a temporary folder."""
    from datetime import datetime
    from uuid import uuid4

    from zenml.artifact_stores import LocalArtifactStore, LocalArtifactStoreConfig
    from zenml.enums import StackComponentType

    now = datetime.now()
    return LocalArtifactStore(
        name="test_store",
        id=uuid4(),
        config=LocalArtifactStoreConfig(path=str(tmp_path / "store")),
        flavor="local",
        type=StackComponentType.ARTIFACT_STORE,
        user=None,
        created=now,
        updated=now,
    )


def round_trip(store: Any, frame: pd.DataFrame, name: str = "frame") -> pd.DataFrame:
    """Save `frame` through the materializer into `store`, then load it back."""
    uri = os.path.join(store.path, name)
    store.makedirs(uri)
    FastParquetMaterializer(uri, artifact_store=store).save(frame)
    return FastParquetMaterializer(uri, artifact_store=store).load(pd.DataFrame)


def test_frames_come_back_equal_from_a_local_artifact_store(local_store) -> None:
    frame = pd.DataFrame(
        {
            "value": [1.5, np.nan, 3.0, -2.25],
            "count": pd.array([1, None, 4, 2], dtype="Int64"),
            "flag": [True, False, True, False],
            "label": ["a", "b", None, "a"],
            "colour": pd.Categorical(["red", "blue", "red", None]),
            "when": pd.to_datetime(
                ["2024-01-01 00:00", None, "2024-03-01 12:30", "2025-12-31 09:15"]
            ),
            "text": ["é", "🚀", "", "line\nbreak"],
        },
        index=pd.Index([10, 11, 12, 13], name="row"),
    )
    loaded = round_trip(local_store, frame)
    pd.testing.assert_frame_equal(loaded, frame)
    written = os.listdir(os.path.join(local_store.path, "frame"))
    assert written == ["df.snappy.parquet"]


def test_arrow_gives_back_its_memory_after_each_read_and_write(
    local_store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arrow's allocator otherwise holds a read frame's size again until the process ends.
    import pyarrow

    pool = pyarrow.default_memory_pool()
    releases = []

    class WatchedPool:
        def release_unused(self) -> None:
            releases.append(True)
            pool.release_unused()

    monkeypatch.setattr(pyarrow, "default_memory_pool", WatchedPool)
    frame = pd.DataFrame({"value": np.arange(100_000, dtype=float), "label": "a"})
    pd.testing.assert_frame_equal(round_trip(local_store, frame), frame)
    assert len(releases) == 2  # once after the write, once after the read


def test_an_empty_frame_keeps_its_columns_and_types(local_store) -> None:
    frame = pd.DataFrame(
        {"value": pd.Series([], dtype=float), "label": pd.Series([], dtype=object)}
    )
    pd.testing.assert_frame_equal(round_trip(local_store, frame, "empty"), frame)


def test_a_saved_frame_has_visualizations_and_metadata(local_store) -> None:
    frame = pd.DataFrame({"value": np.arange(10, dtype=float), "label": list("abcdeabcde")})
    uri = os.path.join(local_store.path, "described")
    local_store.makedirs(uri)
    materializer = FastParquetMaterializer(uri, artifact_store=local_store)
    materializer.save(frame)
    visualizations = materializer.save_visualizations(frame)
    assert visualizations and all(local_store.exists(path) for path in visualizations)
    metadata = materializer.extract_metadata(frame)
    assert metadata["shape"] == (10, 2)
    assert metadata["mean"] == {"value": 4.5}


def test_a_target_series_comes_back_with_its_name_index_and_metadata(local_store) -> None:
    target = pd.Series(["yes", "no", "yes"], index=pd.Index([4, 8, 15]), name="churned")
    uri = os.path.join(local_store.path, "target")
    local_store.makedirs(uri)
    FastParquetMaterializer(uri, artifact_store=local_store).save(target)
    materializer = FastParquetMaterializer(uri, artifact_store=local_store)
    pd.testing.assert_series_equal(materializer.load(pd.Series), target)
    assert materializer.extract_metadata(target)["shape"] == (3, 1)
