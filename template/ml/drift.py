"""Data drift and data quality of new rows against the training data, with Evidently."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from ml.contract import column_kind

MAX_COMPARED_LEVELS = 20
STATISTICAL_TEST_ROWS = 1_000
P_VALUE_TESTS = {"ks", "chisquare", "z", "t_test", "mannw", "anderson", "fisher_exact", "g_test"}
OTHER_LEVEL = "(other levels)"


class DriftSummary(BaseModel):
    """What the drift report found: the share and names of drifted columns, and gaps."""

    model_config = ConfigDict(frozen=True)

    rows_compared: int
    # All the new rows, of which at most `rows_compared` were compared.
    rows: int = 0
    columns: int
    drifted_share: float
    drifted_columns: list[str]
    missing_share_reference: float
    missing_share_current: float
    # Columns the new rows leave empty although training had values in them.
    emptied_columns: list[str] = []

    def describe(self) -> list[str]:
        """Return the drifted columns and the change in missing values, for people."""
        drifted = ", ".join(self.drifted_columns) or "none"
        lines = [
            f"drifted columns: {self.drifted_share:.0%} ({drifted})",
            f"missing values: {self.missing_share_reference:.1%} in training, "
            f"{self.missing_share_current:.1%} in the new rows",
        ]
        if self.emptied_columns:
            lines.append(f"empty in the new rows: {', '.join(self.emptied_columns)}")
        return lines


def drifting_columns(contract: dict[str, Any]) -> dict[str, str]:
    """Return the columns whose drift means something, with their roles.

    Identifiers and free text are not features and hold new values in every batch, and
    a date column moves forward by nature: none of them is compared.
    """
    return {
        name: spec.get("role", "")
        for name, spec in contract["columns"].items()
        if spec.get("role") not in ("identifier", "text", "datetime")
    }


def lump_rare_levels(reference: pd.Series, current: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return both columns with levels outside the reference's most frequent as one.

    A test over thousands of sparse levels flags drift between two samples of the same
    data; over the frequent levels and "the rest" it flags what changed.
    """
    frequent = reference.value_counts().index[:MAX_COMPARED_LEVELS]

    def lump(column: pd.Series) -> pd.Series:
        text = column.astype(str).where(column.notna())
        return text.where(column.isna() | column.isin(frequent), OTHER_LEVEL)

    return lump(reference), lump(current)


def build_drift_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    sample_rows: int,
    random_state: int = 0,
    roles: Mapping[str, str] | None = None,
) -> tuple[DriftSummary, str, str]:
    """Compare `current` with `reference` column by column (only those in `roles`, if given).

    High-cardinality columns are compared on their frequent levels (lump_rare_levels).

    Frames longer than `sample_rows` are compared on a seeded sample of that size.
    Returns a summary (share and names of drifted columns, share of missing values
    in both frames, rows compared), the full Evidently report as standalone HTML, and
    the report as an Evidently snapshot in JSON.
    """
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import DatasetMissingValueCount
    from evidently.presets import DataDriftPreset

    rows = len(current)
    columns = [
        column
        for column in reference.columns
        if column in current.columns and (roles is None or column in roles)
    ]
    # The rows' index (the new rows' own ids, say) means nothing to a comparison.
    reference = _sample(reference[columns], sample_rows, random_state).reset_index(drop=True)
    current = _sample(current[columns], sample_rows, random_state).reset_index(drop=True)
    for column, role in (roles or {}).items():
        if role == "high_cardinality" and column in columns:
            lumped_reference, lumped_current = lump_rare_levels(reference[column], current[column])
            reference = reference.assign(**{column: lumped_reference})
            current = current.assign(**{column: lumped_current})
    # Evidently cannot compare a column that is empty on either side; the missing-value
    # share still counts it, and a column the new rows empty is a gate of its own.
    emptied = [c for c in columns if current[c].isna().all() and reference[c].notna().any()]
    compared = [c for c in columns if current[c].notna().any() and reference[c].notna().any()]
    numerical = [column for column in compared if column_kind(reference[column]) == "numeric"]
    definition = DataDefinition(
        numerical_columns=numerical,
        categorical_columns=[column for column in compared if column not in numerical],
    )
    # The drift preset and the missing-value count are what the gates need; Evidently's
    # full data summary triples the report's time for figures nothing reads.
    # Evidently picks its tests by the reference's size: past 1,000 rows, distances with a
    # fixed threshold, which a small batch of new rows crosses by chance alone. Below that
    # size on either side, statistical tests weigh the sample size.
    if min(len(reference), len(current)) <= STATISTICAL_TEST_ROWS:
        preset = DataDriftPreset(num_method="ks", cat_method="chisquare")
    else:
        preset = DataDriftPreset()
    snapshot = Report([preset, DatasetMissingValueCount()]).run(
        Dataset.from_pandas(current[compared], data_definition=definition),
        Dataset.from_pandas(reference[compared], data_definition=definition),
    )
    drifted = []
    drifted_share = 0.0
    for result in snapshot.dict()["metrics"]:
        name = result["metric_name"]
        if name.startswith("DriftedColumnsCount("):
            drifted_share = float(result["value"]["share"])
        elif name.startswith("ValueDrift(") and _is_drifted(result):
            drifted.append(result["config"]["column"])
    summary = DriftSummary(
        rows_compared=len(current),
        rows=rows,
        columns=len(columns),
        drifted_share=drifted_share,
        drifted_columns=sorted(drifted),
        missing_share_reference=_missing_share(reference),
        missing_share_current=_missing_share(current),
        emptied_columns=emptied,
    )
    return summary, snapshot.get_html_str(as_iframe=False), snapshot.dumps()


def _is_drifted(result: dict[str, Any]) -> bool:
    """Tell whether a per-column drift result crossed its method's threshold."""
    config = result["config"]
    threshold = config.get("threshold")
    value = float(result["value"])
    if threshold is None:
        return False
    # P-value methods flag drift below the threshold, distance methods above it. Evidently
    # names an automatically chosen test "K-S p_value", and a requested one "ks".
    method = str(config.get("method", ""))
    p_value = "p_value" in method or method in P_VALUE_TESTS
    return value < threshold if p_value else value >= threshold


def _sample(frame: pd.DataFrame, rows: int, random_state: int) -> pd.DataFrame:
    """Return at most `rows` rows of `frame`, drawn with a fixed seed."""
    return frame.sample(n=rows, random_state=random_state) if len(frame) > rows else frame


def _missing_share(frame: pd.DataFrame) -> float:
    """Return the share of missing cells in `frame`."""
    return float(frame.isna().to_numpy().mean()) if frame.size else 0.0


def failed_drift_gates(
    summary: DriftSummary, max_drifted_share: float, max_missing_share_increase: float
) -> list[str]:
    """Return a message for each data-quality gate that the summary fails.

    The drift gate is strict: a batch whose drifted share reaches `max_drifted_share`
    fails it, and one with no drifted column never does (so 0 means "no drift at all").
    """
    failures = []
    if summary.emptied_columns:
        failures.append(
            f"the new rows leave {', '.join(map(repr, summary.emptied_columns))} empty, "
            "which training had values in"
        )
    if summary.drifted_columns and summary.drifted_share >= max_drifted_share:
        failures.append(
            f"{summary.drifted_share:.0%} of the columns drifted "
            f"({', '.join(summary.drifted_columns)}); the gate fails at "
            f"{max_drifted_share:.0%} or more"
        )
    increase = summary.missing_share_current - summary.missing_share_reference
    if increase > max_missing_share_increase:
        failures.append(
            f"the share of missing values rose from {summary.missing_share_reference:.1%} "
            f"to {summary.missing_share_current:.1%}; the gate allows a rise of "
            f"{max_missing_share_increase:.1%}"
        )
    return failures
