"""Pick the model family with the best cross-validated score."""

from typing import Annotated, Any

from zenml import log_metadata, step
from zenml.logger import get_logger

from ml.metrics import get_metric
from ml.search import select_best

logger = get_logger(__name__)


@step
def hp_tuning_select_best_model(
    search_results: list[dict[str, Any]], metric: str
) -> Annotated[dict[str, Any], "best_model_candidate"]:
    """Return the winning family's estimator and parameters, recording every score."""
    best = select_best(search_results, get_metric(metric))
    scores = {result["family"]: result["cv_score"] for result in search_results}
    skipped = {
        result["family"]: result["skipped"] for result in search_results if "skipped" in result
    }
    logger.info(
        "Cross-validated %s by family, on %d rows: %s; best: %s",
        metric,
        best["search_rows"],
        scores,
        best["family"],
    )
    log_metadata(
        metadata={
            "model_selection": {
                "metric": metric,
                "cv_scores": scores,
                "best": best["family"],
                "search_rows": best["search_rows"],
                "skipped": skipped,
            }
        },
        infer_model=True,
    )
    return best
