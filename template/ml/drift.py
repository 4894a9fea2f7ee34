"""Data drift and data quality of new rows against the training data, with Evidently."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ml.contract import column_kind


def build_drift_report(
    reference: pd.DataFrame, current: pd.DataFrame, sample_rows: int, random_state: int = 0
) -> tuple[dict[str, Any], str]:
    """Compare `current` with `reference` column by column.

    Frames longer than `sample_rows` are compared on a seeded sample of that size.
    Returns a summary (share and names of drifted columns, share of missing values
    in both frames, rows compared) and the full Evidently report as standalone HTML.
    """
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import DatasetMissingValueCount
    from evidently.presets import DataDriftPreset

    columns = [column for column in reference.columns if column in current.columns]
    reference = _sample(reference[columns], sample_rows, random_state)
    current = _sample(current[columns], sample_rows, random_state)
    numerical = [column for column in columns if column_kind(reference[column]) == "numeric"]
    definition = DataDefinition(
        numerical_columns=numerical,
        categorical_columns=[column for column in columns if column not in numerical],
    )
    # The drift preset and the missing-value count are what the gates need; Evidently's
    # full data summary triples the report's time for figures nothing reads.
    snapshot = Report([DataDriftPreset(), DatasetMissingValueCount()]).run(
        Dataset.from_pandas(current, data_definition=definition),
        Dataset.from_pandas(reference, data_definition=definition),
    )
    drifted = []
    drifted_share = 0.0
    for result in snapshot.dict()["metrics"]:
        name = result["metric_name"]
        if name.startswith("DriftedColumnsCount("):
            drifted_share = float(result["value"]["share"])
        elif name.startswith("ValueDrift(") and _is_drifted(result):
            drifted.append(result["config"]["column"])
    summary = {
        "rows_compared": len(current),
        "columns": len(columns),
        "drifted_share": drifted_share,
        "drifted_columns": sorted(drifted),
        "missing_share_reference": _missing_share(reference),
        "missing_share_current": _missing_share(current),
    }
    return summary, snapshot.get_html_str(as_iframe=False)


def _is_drifted(result: dict[str, Any]) -> bool:
    """Tell whether a per-column drift result crossed its method's threshold."""
    config = result["config"]
    threshold = config.get("threshold")
    value = float(result["value"])
    if threshold is None:
        return False
    # P-value methods flag drift below the threshold, distance methods above it.
    return value < threshold if "p_value" in str(config.get("method", "")) else value >= threshold


def _sample(frame: pd.DataFrame, rows: int, random_state: int) -> pd.DataFrame:
    """Return at most `rows` rows of `frame`, drawn with a fixed seed."""
    return frame.sample(n=rows, random_state=random_state) if len(frame) > rows else frame


def _missing_share(frame: pd.DataFrame) -> float:
    """Return the share of missing cells in `frame`."""
    return float(frame.isna().to_numpy().mean()) if frame.size else 0.0


def failed_drift_gates(
    summary: dict[str, Any], max_drifted_share: float, max_missing_share_increase: float
) -> list[str]:
    """Return a message for each data-quality gate that the summary fails."""
    failures = []
    if summary["drifted_share"] > max_drifted_share:
        failures.append(
            f"{summary['drifted_share']:.0%} of the columns drifted "
            f"({', '.join(summary['drifted_columns'])}); the gate allows "
            f"{max_drifted_share:.0%}"
        )
    increase = summary["missing_share_current"] - summary["missing_share_reference"]
    if increase > max_missing_share_increase:
        failures.append(
            f"the share of missing values rose from {summary['missing_share_reference']:.1%} "
            f"to {summary['missing_share_current']:.1%}; the gate allows a rise of "
            f"{max_missing_share_increase:.1%}"
        )
    return failures
