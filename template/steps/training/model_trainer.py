"""Train the selected model and track it in MLflow and the Model Control Plane."""

from typing import Annotated

import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline
from zenml import ArtifactConfig, get_step_context, log_metadata, step
from zenml.enums import ArtifactType

from ml.search import Candidate, too_many_rows, train_candidate
from stack.registry import register_in_mlflow


@step(experiment_tracker=True)
def model_trainer(
    features_trn: pd.DataFrame,
    target_trn: pd.Series,
    dataset_trn: pd.DataFrame,
    preprocess_pipeline: Pipeline,
    candidate: Candidate,
    random_state: int,
) -> Annotated[BaseEstimator, ArtifactConfig(name="model", artifact_type=ArtifactType.MODEL)]:
    """Fit the candidate on the whole training set and register it in MLflow.

    The registry gets the whole pipeline, preprocessing and model, under the ZenML
    model's name; the registration is recorded on the model artifact so promotion and
    serving find exactly this model.
    """
    reason = too_many_rows(candidate.family, candidate.max_training_rows, len(features_trn))
    if reason:
        raise ValueError(
            f"Cannot train: {reason}. In configs/training.yaml, put another family first "
            "under search.model_families, or turn on search.hyperparameters_tuning so that "
            "the families compete."
        )
    model = train_candidate(candidate, features_trn, target_trn, random_state)
    registration = register_in_mlflow(
        Pipeline([("preprocess", preprocess_pipeline), ("model", model)]),
        dataset_trn,
        get_step_context().model.name,
        candidate,
    )
    log_metadata(
        metadata={
            "mlflow": registration,
            "training": {"family": candidate.family, "params": candidate.params},
        },
        artifact_name="model",
        infer_artifact=True,
    )
    return model
