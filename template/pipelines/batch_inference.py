"""Batch inference pipeline: check new data, predict it, store the predictions."""

from zenml import get_pipeline_context, pipeline

from ml.data import file_version
from steps.alerts import notify_on_success
from steps.data_quality import drift_quality_gate, drift_report
from steps.etl import inference_data_loader
from steps.inference import inference_predict, predictions_exporter


@pipeline
def batch_inference(
    dataset: str,
    dataset_path: str | None,
    target_column: str,
    inference_data_path: str | None,
    inference_share: float,
    random_state: int,
    predictions_path: str | None,
    data_quality_checks: bool,
    drift_sample_rows: int,
    max_drifted_share: float,
    max_missing_share_increase: float,
    notify_on_success_enabled: bool,
) -> None:
    """Predict new rows with the promoted version, after gating on their quality."""
    model = get_pipeline_context().model
    preprocess_pipeline = model.get_artifact("preprocess_pipeline")
    dataset_inf = inference_data_loader(
        dataset=dataset,
        dataset_path=dataset_path,
        target_column=target_column,
        inference_data_path=inference_data_path,
        inference_share=inference_share,
        random_state=random_state,
        data_version=file_version(inference_data_path or dataset_path),
        preprocess_pipeline=preprocess_pipeline,
    )
    details = {"data quality checks": "off"}
    if data_quality_checks:
        details, _ = drift_report(
            reference=model.get_artifact("dataset_trn"),
            current=dataset_inf,
            preprocess_pipeline=preprocess_pipeline,
            target_column=target_column,
            sample_rows=drift_sample_rows,
        )
        drift_quality_gate(
            drift_summary=details,
            max_drifted_share=max_drifted_share,
            max_missing_share_increase=max_missing_share_increase,
        )
    predictions = inference_predict(
        dataset_inf=dataset_inf,
        preprocess_pipeline=preprocess_pipeline,
        model=model.get_artifact("model"),
        after=["drift_quality_gate"] if data_quality_checks else None,
    )
    if predictions_path:
        predictions_exporter(predictions=predictions, predictions_path=predictions_path)
    if notify_on_success_enabled:
        notify_on_success(details=details, predictions=predictions)
