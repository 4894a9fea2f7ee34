"""Reading model cards back from the Model Control Plane."""

from __future__ import annotations

from stack.stages import version_in_stage


def staged_card(model_name: str | None = None, stage: str | None = None) -> str:
    """Return the Markdown card of the version in `stage`, configs/training.yaml's by default.

    Raises LookupError with one line when no version holds the stage, or when that
    version has no card (it was trained before cards existed).
    """
    if model_name is None or stage is None:
        from ml.settings import TrainingConfig, load_settings

        training = load_settings("training", TrainingConfig)
        model_name = model_name or training.model.name
        stage = stage or training.parameters.promotion.target_environment
    version = version_in_stage(model_name, stage)
    if version is None:
        raise LookupError(f"No version of '{model_name}' is in {stage}: train one first.")
    card = version.get_artifact("model_card")
    if card is None:
        raise LookupError(
            f"Version {version.number} of '{model_name}' has no model card: it was trained "
            "before cards existed; train again to get one."
        )
    return str(card.load())
