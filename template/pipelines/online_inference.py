"""Online inference pipeline: the promoted version answering raw rows over HTTP."""

from typing import Any

from zenml import pipeline

from steps.inference import online_predict


@pipeline(enable_cache=False)
def online_inference(rows: list[dict[str, Any]] = []):  # noqa: B006 - the HTTP default
    """Predict the rows of one request; `rows` is the only parameter a caller sets.

    The version's artifacts are loaded once, when the service starts, by the init hook
    that serving/deploy.py sets with the version to serve (serving.state).
    """
    predictions, probabilities, model_version, warnings = online_predict(rows=rows)
    return predictions, probabilities, model_version, warnings
