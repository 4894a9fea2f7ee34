"""Training pipeline: data, search, training, evaluation, promotion."""

from zenml import pipeline

from ml.data import file_version
from ml.metrics import get_metric
from ml.search import default_candidate
from ml.settings import (
    AlertSettings,
    DataSettings,
    PreprocessingSettings,
    PromotionSettings,
    QualityGateSettings,
    SearchSettings,
)
from steps.alerts import notify_on_success
from steps.etl import data_loader, train_data_preprocessor, train_data_splitter
from steps.hp_tuning import hp_tuning_select_best_model, hp_tuning_single_search
from steps.monitoring import performance_estimator_fitter
from steps.promotion import promote_latest, promote_with_metric_compare
from steps.reporting import model_card
from steps.training import model_evaluator, model_trainer


def train_and_promote(
    data: DataSettings,
    preprocessing: PreprocessingSettings,
    search: SearchSettings,
    quality_gates: QualityGateSettings,
    promotion: PromotionSettings,
    alerts: AlertSettings,
) -> None:
    """Train a model version, gate it on quality, promote it if it earns the stage, card it."""
    raw_dataset = data_loader(data=data, dataset_version=file_version(data.dataset_path))
    dataset_trn, dataset_tst, target_trn, target_tst = train_data_splitter(
        dataset=raw_dataset, data=data, test_size=preprocessing.test_size
    )
    features_trn, features_tst, preprocess_pipeline = train_data_preprocessor(
        dataset_trn=dataset_trn,
        dataset_tst=dataset_tst,
        target_trn=target_trn,
        data=data,
        preprocessing=preprocessing,
    )
    if search.hyperparameters_tuning:
        search_step = hp_tuning_single_search
        if search.resources:
            search_step = search_step.with_options(settings={"resources": search.resources})
        search_results = [
            search_step(
                dataset_trn=dataset_trn,
                target_trn=target_trn,
                preprocess_pipeline=preprocess_pipeline,
                data=data,
                search=search.of_family(family),
                family=family,
                metric=promotion.metric,
                id=f"hp_tuning_search_{family}",
            )
            for family in search.model_families
        ]
        candidate = hp_tuning_select_best_model(
            search_results=search_results, metric=promotion.metric
        )
    else:
        family, model_family = next(iter(search.model_families.items()))
        candidate = default_candidate(family, model_family, get_metric(promotion.metric))
    model = model_trainer(
        features_trn=features_trn,
        target_trn=target_trn,
        dataset_trn=dataset_trn,
        preprocess_pipeline=preprocess_pipeline,
        candidate=candidate,
        random_state=data.random_state,
    )
    performance_estimator_fitter(
        model=model, features_tst=features_tst, target_tst=target_tst, metric=promotion.metric
    )
    test_score, missed_quality_gates, evaluation, _ = model_evaluator(
        model=model,
        features_trn=features_trn,
        target_trn=target_trn,
        features_tst=features_tst,
        target_tst=target_tst,
        dataset_tst=dataset_tst,
        preprocess_pipeline=preprocess_pipeline,
        metric=promotion.metric,
        quality_gates=quality_gates,
        random_state=data.random_state,
    )
    if promotion.metric_compare:
        decision, _ = promote_with_metric_compare(
            test_score=test_score,
            missed_quality_gates=missed_quality_gates,
            dataset_tst=dataset_tst,
            target_tst=target_tst,
            evaluation=evaluation,
            promotion=promotion,
            random_state=data.random_state,
        )
    else:
        decision = promote_latest(
            test_score=test_score, missed_quality_gates=missed_quality_gates, promotion=promotion
        )
    model_card(raw_dataset=raw_dataset, evaluation=evaluation, decision=decision, data=data)
    if alerts.notify_on_successes:
        notify_on_success(decision=decision)


training = pipeline(name="training")(train_and_promote)
# The same steps as a dynamic pipeline: the monitor pipeline starts them as a child run
# when the retrain trigger fires, and ZenML starts only dynamic pipelines as children.
retraining = pipeline(name="training", dynamic=True)(train_and_promote)
