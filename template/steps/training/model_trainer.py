"""Train the selected model and track it in MLflow and the Model Control Plane."""

from pathlib import Path
from typing import Annotated

import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline
from zenml import ArtifactConfig, get_step_context, log_metadata, step
from zenml.enums import ArtifactType

import ml
from ml.search import Candidate, too_many_rows, train_candidate
from ml.settings import DataSettings
from ml.signature import raw_rows_signature

# The project's own code that a loaded MLflow model needs (its transformers).
PROJECT_CODE = Path(ml.__file__).parent


@step(experiment_tracker=True)
def model_trainer(
    features_trn: pd.DataFrame,
    dataset_trn: pd.DataFrame,
    preprocess_pipeline: Pipeline,
    data: DataSettings,
    candidate: Candidate,
) -> Annotated[BaseEstimator, ArtifactConfig(name="model", artifact_type=ArtifactType.MODEL)]:
    """Fit the candidate on the whole training set and register it in MLflow.

    The MLflow run records the family, parameters and cross-validated score. The
    registry gets the whole pipeline, preprocessing and model, with a signature of the
    raw columns, so that anything that loads MLflow models answers raw rows. It is
    registered under the ZenML model's name, and the registration is recorded on the
    model artifact so promotion and serving find exactly this model.
    """
    import mlflow
    import sklearn

    reason = too_many_rows(candidate.family, candidate.max_training_rows, len(features_trn))
    if reason:
        raise ValueError(
            f"Cannot train: {reason}. In configs/training.yaml, put another family first "
            "under search.model_families, or turn on search.hyperparameters_tuning so that "
            "the families compete."
        )
    # Dropping the target copies the frame (175 MB for 800,000 rows); these copies and
    # the raw rows' one below are freed before serialising copies the model's arrays.
    model = train_candidate(
        candidate,
        features_trn.drop(columns=[data.target_column]),
        features_trn[data.target_column],
        data.random_state,
    )
    model_name = get_step_context().model.name
    mlflow.log_params({"family": candidate.family, **candidate.params})
    if candidate.cv_score is not None:
        mlflow.log_metric(f"cv_{candidate.metric}", candidate.cv_score)
    full_pipeline = Pipeline([("preprocess", preprocess_pipeline), ("model", model)])
    signature = raw_rows_signature(
        dataset_trn.drop(columns=[data.target_column]), full_pipeline.predict
    )
    info = mlflow.sklearn.log_model(
        full_pipeline,
        name="model",
        registered_model_name=model_name,
        signature=signature,
        pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
        code_paths=[str(PROJECT_CODE)],
        skops_trusted_types=trusted_types_of(full_pipeline),
    )
    log_metadata(
        metadata={
            "mlflow": {
                "registered_model": model_name,
                "registered_version": str(info.registered_model_version),
                "model_uri": f"models:/{model_name}/{info.registered_model_version}",
                "artifact_uri": mlflow.get_logged_model(info.model_id).artifact_location,
                "run_id": info.run_id,
            },
            "training": {"family": candidate.family, "params": candidate.params},
        },
        artifact_name="model",
        infer_artifact=True,
    )
    return model


def trusted_types_of(model: BaseEstimator) -> list[str]:
    """Return the types that MLflow's skops format must trust to load `model`.

    The model was trained by this step, so its own scikit-learn types, the project's
    transformers (shipped with the model as code) and NumPy's dtype (which the
    preprocessing records of each column) are trusted; any other type still needs a
    user's review, and MLflow names it. The model is written to a temporary file, not
    to bytes: a forest on 800,000 rows serialises to 520 MB, which bytes held in memory
    on top of the model itself (and 1.3 s slower).
    """
    import tempfile

    import skops.io

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.skops"
        skops.io.dump(model, path)
        untrusted = skops.io.get_untrusted_types(file=path)
    return [
        name
        for name in untrusted
        if name.split(".")[0] in ("sklearn", PROJECT_CODE.name) or name == "numpy.dtype"
    ]
