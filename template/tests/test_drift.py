"""The Evidently drift report and the data-quality gates built on it."""

import numpy as np
import pandas as pd

from ml.drift import DriftSummary, build_drift_report, failed_drift_gates


def test_report_finds_the_drifted_column_and_new_gaps(mixed_frame: pd.DataFrame) -> None:
    reference = mixed_frame.drop(columns=["target"])
    current = reference.copy()
    current["signal"] += 5
    current.loc[current.index[:60], "noise"] = np.nan
    summary, html, _ = build_drift_report(reference, current, sample_rows=1000)
    assert summary.drifted_columns == ["signal"]
    assert summary.missing_share_current > summary.missing_share_reference
    assert "<html" in html.lower()
    failures = failed_drift_gates(summary, max_drifted_share=0.2, max_missing_share_increase=0.05)
    assert len(failures) == 2


def test_unchanged_data_passes_the_gates(mixed_frame: pd.DataFrame) -> None:
    reference = mixed_frame.drop(columns=["target"])
    summary, *_ = build_drift_report(
        reference, reference.sample(frac=0.5, random_state=0), sample_rows=1000
    )
    assert failed_drift_gates(summary, 0.5, 0.1) == []


def test_long_frames_are_compared_on_a_sample(mixed_frame: pd.DataFrame) -> None:
    reference = mixed_frame.drop(columns=["target"])
    summary, *_ = build_drift_report(reference, reference, sample_rows=50)
    assert summary.rows_compared == 50


def test_only_feature_roles_are_compared_and_many_levels_are_lumped() -> None:
    rng = np.random.default_rng(0)

    def rows(seed: int, size: int = 4000) -> pd.DataFrame:
        draw = np.random.default_rng(seed)
        return pd.DataFrame(
            {
                "code": [f"K{level}" for level in draw.zipf(1.3, size) % 3000],
                "order_id": [f"O-{seed}-{number}" for number in range(size)],
            }
        )

    roles = {"code": "high_cardinality"}
    summary, *_ = build_drift_report(rows(1), rows(2), sample_rows=4000, roles=roles)
    assert summary.columns == 1 and summary.drifted_columns == []
    shifted = rows(2).assign(code=rng.choice(["K1", "K7"], 4000))
    summary, *_ = build_drift_report(rows(1), shifted, sample_rows=4000, roles=roles)
    assert summary.drifted_columns == ["code"]


def test_a_small_batch_of_the_same_data_is_weighed_by_its_size() -> None:
    def rows(seed: int, size: int) -> pd.DataFrame:
        draw = np.random.default_rng(seed)
        return pd.DataFrame(
            {
                "amount": draw.uniform(100, 3000, size),
                "delay": draw.gamma(1.2, 12, size),
                "carrier": draw.choice([f"C{number}" for number in range(16)], size),
            }
        )

    summary, *_ = build_drift_report(rows(0, 3000), rows(1, 150), sample_rows=20000)
    assert summary.drifted_columns == []
    shifted = rows(1, 150).assign(amount=lambda frame: frame["amount"] * 2)
    summary, *_ = build_drift_report(rows(0, 3000), shifted, sample_rows=20000)
    assert summary.drifted_columns == ["amount"]
    assert summary.drifted_share == 1 / 3


def test_a_column_the_new_rows_leave_empty_fails_its_own_gate(mixed_frame: pd.DataFrame) -> None:
    reference = mixed_frame.drop(columns=["target"])
    current = reference.assign(noise=np.nan)
    summary, *_ = build_drift_report(reference, current, sample_rows=1000)
    assert summary.emptied_columns == ["noise"]
    assert "noise" not in summary.drifted_columns
    assert failed_drift_gates(summary, 1.0, 1.0) == [
        "the new rows leave 'noise' empty, which training had values in"
    ]


def summary_with(drifted: list[str], columns: int = 4) -> DriftSummary:
    return DriftSummary(
        rows_compared=100,
        columns=columns,
        drifted_share=len(drifted) / columns,
        drifted_columns=drifted,
        missing_share_reference=0.0,
        missing_share_current=0.0,
    )


def test_the_drift_gate_is_strict_a_share_equal_to_it_fails() -> None:
    assert failed_drift_gates(summary_with(["a"]), 0.5, 0.1) == []  # 25% passes
    assert failed_drift_gates(summary_with(["a", "b"]), 0.5, 0.1) == [
        "50% of the columns drifted (a, b); the gate fails at 50% or more"
    ]
    assert failed_drift_gates(summary_with(["a", "b", "c", "d"]), 1.0, 0.1) != []
    assert failed_drift_gates(summary_with([]), 0.0, 0.1) == []  # no drift never fails it
    assert failed_drift_gates(summary_with(["a"]), 0.0, 0.1) != []
