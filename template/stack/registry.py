"""The MLflow model registry: registering a trained pipeline, and finding a version's record."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenml import Model

import ml

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from ml.search import Candidate

# The project's own code that a loaded MLflow model needs (its transformers).
PROJECT_CODE = Path(ml.__file__).parent


def mlflow_registration(model: Model) -> dict[str, Any]:
    """Return the MLflow registration the trainer recorded on the version's model.

    The record sits on the model artifact rather than on the version, so a version
    whose training was served from the step cache finds it too.
    """
    try:
        return dict(model.get_artifact("model").run_metadata["mlflow"])
    except (AttributeError, KeyError):
        raise RuntimeError(
            f"Model version {model.version} of '{model.name}' has no MLflow registration "
            "on its model artifact; train it with this project's training pipeline."
        ) from None


def register_in_mlflow(
    pipeline: Pipeline, raw_rows: pd.DataFrame, model_name: str, candidate: Candidate
) -> dict[str, str]:
    """Log the candidate to the active MLflow run and register `pipeline` under `model_name`.

    The run records the family, parameters and cross-validated score. The registry gets
    the whole pipeline, preprocessing and model, with a signature of the raw columns
    (inferred from `raw_rows`), so that anything that loads MLflow models answers raw
    rows. Returns the registration, which the trainer records on the model artifact.
    """
    import mlflow
    import sklearn

    from ml.signature import raw_rows_signature

    mlflow.log_params({"family": candidate.family, **candidate.params})
    if candidate.cv_score is not None:
        mlflow.log_metric(f"cv_{candidate.metric}", candidate.cv_score)
    info = mlflow.sklearn.log_model(
        pipeline,
        name="model",
        registered_model_name=model_name,
        signature=raw_rows_signature(raw_rows, pipeline.predict),
        pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
        code_paths=[str(PROJECT_CODE)],
        skops_trusted_types=trusted_types_of(pipeline),
    )
    return {
        "registered_model": model_name,
        "registered_version": str(info.registered_model_version),
        "model_uri": f"models:/{model_name}/{info.registered_model_version}",
        "artifact_uri": mlflow.get_logged_model(info.model_id).artifact_location,
        "run_id": info.run_id,
    }


def trusted_types_of(model: Any) -> list[str]:
    """Return the types that MLflow's skops format must trust to load `model`.

    The model was trained by the trainer step, so its own scikit-learn types, the project's
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
