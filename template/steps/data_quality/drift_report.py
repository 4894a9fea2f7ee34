"""Build the Evidently data drift and data quality report for new rows."""

from typing import Annotated

import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import get_step_context, step
from zenml.types import HTMLString

from ml.drift import DriftSummary
from ml.settings import DriftSettings


@step
def drift_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    preprocess_pipeline: Pipeline,
    drift: DriftSettings,
) -> tuple[
    Annotated[DriftSummary, "drift_summary"],
    Annotated[HTMLString, "drift_report"],
    Annotated[str, "drift_snapshot"],
]:
    """Compare the new rows with the training rows, feature by feature, on a sample.

    At most `drift.sample_rows` rows of each are compared. The columns compared are the
    version's features other than dates (its data contract, on `preprocess_pipeline`,
    records their roles). Returns the summary that the gate checks, the full report,
    which the dashboard shows as a visualization and which opens with the version's
    model card, and the report as an Evidently snapshot (JSON), which the monitoring
    workspace shows.
    """
    from ml.card import with_card
    from ml.drift import build_drift_report, drifting_columns

    context = get_step_context()
    contract = context.inputs["preprocess_pipeline"][0].run_metadata["data_contract"]
    summary, html, snapshot = build_drift_report(
        reference,
        current,
        drift.sample_rows,
        roles=drifting_columns(contract),
    )
    card = context.model.get_artifact("model_card")
    if card is not None:  # versions trained before cards have none
        html = with_card(html, str(card.load()), context.model.number)
    return summary, HTMLString(html), snapshot
