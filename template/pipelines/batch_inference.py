"""Batch inference pipeline: check new data, predict it, store the predictions."""

from zenml import get_pipeline_context, pipeline

from steps.alerts import notify_on_success
from steps.data_quality import drift_quality_gate, drift_report
from steps.etl import inference_data_loader, inference_data_preprocessor
from steps.inference import inference_predict


@pipeline
def batch_inference(
    dataset: str,
    target_column: str,
    inference_share: float,
    random_state: int,
    data_quality_checks: bool,
    max_drifted_share: float,
    max_missing_share_increase: float,
    notify_on_success_enabled: bool,
) -> None:
    """Predict new rows with the promoted version, after gating on their quality."""
    model = get_pipeline_context().model
    dataset_inf = inference_data_loader(
        dataset=dataset,
        target_column=target_column,
        inference_share=inference_share,
        random_state=random_state,
    )
    details = {"data quality checks": "off"}
    if data_quality_checks:
        details, _ = drift_report(
            reference=model.get_artifact("dataset_trn"),
            current=dataset_inf,
            target_column=target_column,
        )
        drift_quality_gate(
            drift_summary=details,
            max_drifted_share=max_drifted_share,
            max_missing_share_increase=max_missing_share_increase,
        )
    features_inf = inference_data_preprocessor(
        dataset_inf=dataset_inf,
        preprocess_pipeline=model.get_artifact("preprocess_pipeline"),
        target_column=target_column,
    )
    predictions = inference_predict(
        features_inf=features_inf,
        model=model.get_artifact("model"),
        target_column=target_column,
        after=["drift_quality_gate"] if data_quality_checks else None,
    )
    if notify_on_success_enabled:
        notify_on_success(details=details, predictions=predictions)
