"""What the online service loads once, when it starts."""

from __future__ import annotations

from ml.prediction import ServedModel


def load_served_model(model_name: str, model_version: int) -> ServedModel:
    """Return the contract, preprocessing and model of one version of `model_name`.

    The init hook of the online inference pipeline: its result is the pipeline state
    that every request reads.
    """
    from zenml.client import Client

    version = Client().get_model_version(model_name, model_version)
    preprocess = version.get_artifact("preprocess_pipeline")
    model = version.get_artifact("model")
    if preprocess is None or model is None:
        raise RuntimeError(
            f"Version {model_version} of '{model_name}' has no preprocess_pipeline or model "
            "artifact: serve a version trained by this project's training pipeline."
        )
    return ServedModel(
        version=version.number,
        contract=preprocess.run_metadata["data_contract"],
        preprocess_pipeline=preprocess.load(),
        model=model.load(),
    )
