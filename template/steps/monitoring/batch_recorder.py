"""Record a predicted batch in the history: its predictions, drift and estimated metric."""

from datetime import datetime
from typing import Annotated

import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import get_step_context, log_metadata, step
from zenml.artifacts.unmaterialized_artifact import UnmaterializedArtifact
from zenml.logger import get_logger

from ml.drift import DriftSummary
from ml.history import BatchRecord, History
from ml.monitoring import PREDICTION_ID
from ml.settings import MonitoringConfig

logger = get_logger(__name__)


@step(enable_cache=False)
def batch_recorder(
    predictions: pd.DataFrame,
    probabilities: pd.DataFrame,
    dataset_inf: UnmaterializedArtifact,
    preprocess_pipeline: Pipeline,
    monitoring: MonitoringConfig,
    drift_summary: DriftSummary | None = None,
    drift_snapshot: str | None = None,
) -> Annotated[BatchRecord, "batch_record"]:
    """Return the batch's record, written to the history and to the model version's metadata.

    A batch predicted again (from the cache or not) is the same batch: it is not
    recorded twice.

    The metric is estimated by the version's `performance_estimator` on a seeded sample
    of at most `monitoring.estimate_rows` rows; a version trained before estimates
    existed records none. The new rows (`dataset_inf`) are read only where the estimate
    needs their features (a regressor's): a million rows take a second to read.
    """
    context = get_step_context()
    model = context.model
    contract = context.inputs["preprocess_pipeline"][0].run_metadata["data_contract"]
    target = contract["target_column"]
    batch_id = str(predictions["batch_id"].iloc[0])
    history = History(monitoring.history_path)
    recorded = history.batch(batch_id)
    # A batch the drift gate refused before, and now let through, is recorded anew.
    if recorded is not None and not recorded.refused:
        logger.info("Batch %s is in the history already; it is not recorded again.", batch_id)
        return recorded

    estimator_artifact = model.get_artifact("performance_estimator")
    estimator = estimator_artifact.load() if estimator_artifact is not None else None
    metric = (
        estimator.metric if estimator is not None else model.run_metadata["evaluation"]["metric"]
    )
    estimate = None
    if estimator is None:
        logger.warning(
            "Model version %s was trained before versions kept a performance estimator: "
            "this batch gets no estimate. Train again to have one.",
            model.number,
        )
    elif estimator.estimable:
        rows = pd.RangeIndex(len(predictions))
        if len(rows) > monitoring.estimate_rows:
            rows = rows.to_series().sample(n=monitoring.estimate_rows, random_state=0).index
        features = None
        if estimator.task_type == "regression":
            sample = dataset_inf.load().reset_index(drop=True).loc[rows]
            features = preprocess_pipeline.transform(sample)
        estimate = estimator.estimate(
            features,
            predictions[target].to_numpy()[rows],
            probabilities.to_numpy()[rows] if len(probabilities.columns) else None,
        )
    record = BatchRecord(
        batch_id=batch_id,
        predicted_at=datetime.fromisoformat(str(predictions["predicted_at"].iloc[0])),
        model_name=model.name,
        model_version=model.number,
        rows=len(predictions),
        metric=metric,
        classes=contract.get("target_classes"),  # classifiers only
        drifted_share=drift_summary.drifted_share if drift_summary else None,
        drifted_columns=drift_summary.drifted_columns if drift_summary else [],
        estimated=estimate.value if estimate else None,
        estimated_interval=(estimate.lower, estimate.upper) if estimate else None,
    )
    stored = pd.DataFrame(
        {PREDICTION_ID: predictions[PREDICTION_ID], "prediction": predictions[target]}
    )
    for column in probabilities.columns:
        stored[f"proba:{column}"] = probabilities[column].to_numpy()
    history.write_batch(record, stored, drift_snapshot)
    log_metadata(metadata={f"batch {batch_id}": record.model_dump(mode="json")}, infer_model=True)
    logger.info(
        "Recorded batch %s (%d rows) in %s; estimated %s: %s.",
        batch_id,
        record.rows,
        history.root,
        metric,
        "none" if record.estimated is None else f"{record.estimated:.4f}",
    )
    return record
