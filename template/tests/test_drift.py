"""The Evidently drift report and the data-quality gates built on it."""

import numpy as np
import pandas as pd

from ml.drift import build_drift_report, failed_drift_gates


def test_report_finds_the_drifted_column_and_new_gaps(mixed_frame: pd.DataFrame) -> None:
    reference = mixed_frame.drop(columns=["target"])
    current = reference.copy()
    current["signal"] += 5
    current.loc[current.index[:60], "noise"] = np.nan
    summary, html = build_drift_report(reference, current, sample_rows=1000)
    assert summary["drifted_columns"] == ["signal"]
    assert summary["missing_share_current"] > summary["missing_share_reference"]
    assert "<html" in html.lower()
    failures = failed_drift_gates(summary, max_drifted_share=0.2, max_missing_share_increase=0.05)
    assert len(failures) == 2


def test_unchanged_data_passes_the_gates(mixed_frame: pd.DataFrame) -> None:
    reference = mixed_frame.drop(columns=["target"])
    summary, _ = build_drift_report(
        reference, reference.sample(frac=0.5, random_state=0), sample_rows=1000
    )
    assert failed_drift_gates(summary, 0.5, 0.1) == []


def test_long_frames_are_compared_on_a_sample(mixed_frame: pd.DataFrame) -> None:
    reference = mixed_frame.drop(columns=["target"])
    summary, _ = build_drift_report(reference, reference, sample_rows=50)
    assert summary["rows_compared"] == 50
