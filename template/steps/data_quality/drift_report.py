"""Build the Evidently data drift and data quality report for new rows."""

from typing import Annotated, Any

import pandas as pd
from zenml import step
from zenml.types import HTMLString


@step
def drift_report(
    reference: pd.DataFrame, current: pd.DataFrame, target_column: str, sample_rows: int
) -> tuple[Annotated[dict[str, Any], "drift_summary"], Annotated[HTMLString, "drift_report"]]:
    """Compare the new rows with the training rows, feature by feature.

    Returns the summary that the gate checks and the full report, which the
    dashboard shows as a visualization.
    """
    from ml.drift import build_drift_report

    summary, html = build_drift_report(
        reference.drop(columns=[target_column], errors="ignore"), current, sample_rows
    )
    return summary, HTMLString(html)
