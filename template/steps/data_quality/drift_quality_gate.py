"""Stop batch inference when the new rows drifted or lost values."""

from datetime import datetime, timezone

from zenml import get_step_context, log_metadata, step
from zenml.logger import get_logger

from ml.drift import DriftSummary, failed_drift_gates
from ml.history import BatchRecord, History
from ml.monitoring import batch_key
from ml.settings import DriftSettings, MonitoringConfig

logger = get_logger(__name__)


@step
def drift_quality_gate(
    drift_summary: DriftSummary,
    drift: DriftSettings,
    monitoring: MonitoringConfig | None = None,
    data_version: str | None = None,
) -> None:
    """Raise when a data-quality gate of `drift` fails, so nothing is predicted on bad data.

    With `monitoring`, a refused batch is recorded in the history first, with its drift
    and no predictions, so that the retrain trigger counts it.
    """
    failures = failed_drift_gates(
        drift_summary, drift.max_drifted_share, drift.max_missing_share_increase
    )
    if failures:
        if monitoring is not None:
            record_refused_batch(drift_summary, monitoring, data_version)
        raise RuntimeError("Data quality gates failed: " + "; ".join(failures) + ".")
    logger.info("Data quality gates passed: %s.", "; ".join(drift_summary.describe()))


def record_refused_batch(
    drift_summary: DriftSummary, monitoring: MonitoringConfig, data_version: str | None
) -> None:
    """Record a batch the gate refused: its drift, and that nothing was predicted."""
    model = get_step_context().model
    record = BatchRecord(
        batch_id=batch_key(data_version or "held-out rows", model.id),
        predicted_at=datetime.now(timezone.utc).replace(microsecond=0),
        model_name=model.name,
        model_version=model.number,
        rows=drift_summary.rows or drift_summary.rows_compared,
        metric=model.run_metadata["evaluation"]["metric"],
        drifted_share=drift_summary.drifted_share,
        drifted_columns=drift_summary.drifted_columns,
        refused=True,
    )
    History(monitoring.history_path).update_batch(record)
    log_metadata(
        metadata={f"batch {record.batch_id}": record.model_dump(mode="json")}, infer_model=True
    )
