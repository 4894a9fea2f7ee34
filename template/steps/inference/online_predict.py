"""Predict the rows of one online request with the version the service loaded at start."""

from typing import Annotated, Any

from zenml import get_step_context, step

from ml.prediction import ServedModel, predict, records_to_frame


@step(enable_cache=False)
def online_predict(
    rows: list[dict[str, Any]],
) -> tuple[
    Annotated[list[Any], "predictions"],
    Annotated[list[dict[str, float]] | None, "probabilities"],
    Annotated[int, "model_version"],
    Annotated[list[str], "warnings"],
]:
    """Return the predictions, class probabilities, serving version and warnings."""
    served = get_step_context().pipeline_state
    if not isinstance(served, ServedModel):
        raise RuntimeError(
            "No model version was loaded when the service started: deploy it with "
            "`make serve`, which loads the staged version."
        )
    outputs = predict(records_to_frame(rows), served).as_outputs(served.version)
    return (
        outputs["predictions"],
        outputs["probabilities"],
        outputs["model_version"],
        outputs["warnings"],
    )
