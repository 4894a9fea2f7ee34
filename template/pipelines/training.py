"""Training pipeline: data, search, training, evaluation, promotion."""

from typing import Any

from zenml import pipeline

from ml.data import file_version
from ml.metrics import get_metric
from ml.search import default_candidate
from steps.alerts import notify_on_success
from steps.etl import data_loader, train_data_preprocessor, train_data_splitter
from steps.hp_tuning import hp_tuning_select_best_model, hp_tuning_single_search
from steps.promotion import promote_latest, promote_with_metric_compare
from steps.training import model_evaluator, model_trainer


@pipeline
def training(
    dataset: str,
    dataset_path: str | None,
    target_column: str,
    task_type: str,
    inference_data_path: str | None,
    inference_share: float,
    random_state: int,
    test_size: float,
    normalize: bool,
    drop_columns: list[str],
    column_roles: dict[str, str],
    max_features: int,
    metric: str,
    model_families: dict[str, dict[str, Any]],
    hp_tuning: bool,
    search_strategy: str,
    search_iterations: int,
    cv_folds: int,
    search_max_rows: int,
    search_resources: dict[str, Any],
    train_threshold: float | None,
    test_threshold: float | None,
    fail_on_quality_gates: bool,
    promotion: str,
    target_stage: str,
    min_improvement: float,
    notify_on_success_enabled: bool,
) -> None:
    """Train a model version, gate it on quality, and promote it if it earns the stage."""
    scoring = get_metric(metric, task_type)
    if max_features < 1 or search_max_rows < 2 * cv_folds:
        raise ValueError(
            f"configs/training.yaml: max_features must be at least 1 (it is {max_features}) "
            f"and search_max_rows at least twice cv_folds (it is {search_max_rows})."
        )
    if not model_families:
        raise ValueError(
            "No model family is configured: add one under `model_families` in "
            "configs/training.yaml."
        )
    raw_dataset = data_loader(
        dataset=dataset,
        dataset_path=dataset_path,
        target_column=target_column,
        inference_data_path=inference_data_path,
        inference_share=inference_share,
        random_state=random_state,
        dataset_version=file_version(dataset_path),
    )
    dataset_trn, dataset_tst = train_data_splitter(
        dataset=raw_dataset,
        target_column=target_column,
        test_size=test_size,
        random_state=random_state,
        task_type=task_type,
    )
    features_trn, features_tst, preprocess_pipeline = train_data_preprocessor(
        dataset_trn=dataset_trn,
        dataset_tst=dataset_tst,
        target_column=target_column,
        task_type=task_type,
        normalize=normalize,
        drop_columns=drop_columns,
        column_roles=column_roles,
        max_features=max_features,
        random_state=random_state,
    )
    if hp_tuning:
        search = hp_tuning_single_search
        if search_resources:
            search = search.with_options(settings={"resources": search_resources})
        search_results = [
            search(
                dataset_trn=dataset_trn,
                preprocess_pipeline=preprocess_pipeline,
                target_column=target_column,
                task_type=task_type,
                family=family,
                spec=spec,
                metric=metric,
                strategy=search_strategy,
                iterations=search_iterations,
                cv_folds=cv_folds,
                search_max_rows=search_max_rows,
                random_state=random_state,
                id=f"hp_tuning_search_{family}",
            )
            for family, spec in model_families.items()
        ]
        candidate = hp_tuning_select_best_model(search_results=search_results, metric=metric)
    else:
        family, spec = next(iter(model_families.items()))
        candidate = default_candidate(family, spec, scoring)
    model = model_trainer(
        features_trn=features_trn,
        dataset_trn=dataset_trn,
        preprocess_pipeline=preprocess_pipeline,
        target_column=target_column,
        candidate=candidate,
        random_state=random_state,
    )
    test_score, missed_quality_gates = model_evaluator(
        model=model,
        features_trn=features_trn,
        features_tst=features_tst,
        target_column=target_column,
        metric=metric,
        train_threshold=train_threshold,
        test_threshold=test_threshold,
        fail_on_quality_gates=fail_on_quality_gates,
    )
    if promotion == "metric_compare":
        decision = promote_with_metric_compare(
            test_score=test_score,
            missed_quality_gates=missed_quality_gates,
            dataset_tst=dataset_tst,
            target_column=target_column,
            metric=metric,
            target_stage=target_stage,
            min_improvement=min_improvement,
        )
    else:
        decision = promote_latest(
            test_score=test_score,
            missed_quality_gates=missed_quality_gates,
            metric=metric,
            target_stage=target_stage,
        )
    if notify_on_success_enabled:
        notify_on_success(details=decision)
