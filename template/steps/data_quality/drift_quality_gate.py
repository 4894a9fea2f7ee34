"""Stop batch inference when the new rows drifted or lost values."""

from zenml import step
from zenml.logger import get_logger

from ml.drift import DriftSummary, failed_drift_gates

logger = get_logger(__name__)


@step
def drift_quality_gate(
    drift_summary: DriftSummary, max_drifted_share: float, max_missing_share_increase: float
) -> None:
    """Raise when a data-quality gate fails, so nothing is predicted on bad data."""
    failures = failed_drift_gates(drift_summary, max_drifted_share, max_missing_share_increase)
    if failures:
        raise RuntimeError("Data quality gates failed: " + "; ".join(failures) + ".")
    logger.info("Data quality gates passed: %s.", "; ".join(drift_summary.describe()))
