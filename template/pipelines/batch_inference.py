"""Batch inference pipeline: check new data, predict it, store and record the predictions."""

from zenml import get_pipeline_context, pipeline

from ml.data import file_version
from ml.settings import AlertSettings, DriftSettings, MonitoringConfig
from steps.alerts import notify_on_success
from steps.data_quality import drift_quality_gate, drift_report
from steps.etl import inference_data_loader
from steps.inference import inference_predict, predictions_exporter
from steps.monitoring import batch_recorder


@pipeline
def batch_inference(
    inference_data_path: str | None,
    predictions_path: str | None,
    drift: DriftSettings,
    alerts: AlertSettings,
    monitoring: MonitoringConfig,
) -> None:
    """Predict new rows with the promoted version, after gating on their quality.

    The data settings (the dataset, its target column and the rows held out of
    training) are the ones the version was trained with. Each batch is recorded in
    the monitoring history with its drift and estimated performance.
    """
    model = get_pipeline_context().model
    preprocess_pipeline = model.get_artifact("preprocess_pipeline")
    data_version = file_version(inference_data_path)
    dataset_inf = inference_data_loader(
        inference_data_path=inference_data_path,
        data_version=data_version,
        preprocess_pipeline=preprocess_pipeline,
        id_column=monitoring.id_column,
    )
    drift_summary = drift_snapshot = None
    if drift.data_quality_checks:
        drift_summary, _, drift_snapshot = drift_report(
            reference=model.get_artifact("dataset_trn"),
            current=dataset_inf,
            preprocess_pipeline=preprocess_pipeline,
            drift=drift,
        )
        drift_quality_gate(
            drift_summary=drift_summary,
            drift=drift,
            monitoring=monitoring,
            data_version=data_version,
        )
    predictions, probabilities = inference_predict(
        dataset_inf=dataset_inf,
        preprocess_pipeline=preprocess_pipeline,
        model=model.get_artifact("model"),
        data_version=data_version,
        id_column=monitoring.id_column,
        after=["drift_quality_gate"] if drift.data_quality_checks else None,
    )
    batch_recorder(
        predictions=predictions,
        probabilities=probabilities,
        dataset_inf=dataset_inf,
        preprocess_pipeline=preprocess_pipeline,
        monitoring=monitoring,
        drift_summary=drift_summary,
        drift_snapshot=drift_snapshot,
    )
    if predictions_path:
        predictions_exporter(predictions=predictions, predictions_path=predictions_path)
    if alerts.notify_on_successes:
        notify_on_success(
            drift_summary=drift_summary,
            predictions=predictions,
            notes=None if drift.data_quality_checks else ["data quality checks: off"],
        )
