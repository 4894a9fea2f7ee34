"""Pick the model family with the best cross-validated score."""

from typing import Annotated

from zenml import log_metadata, step
from zenml.logger import get_logger

from ml.metrics import get_metric
from ml.search import Candidate, select_best

logger = get_logger(__name__)


@step
def hp_tuning_select_best_model(
    search_results: list[Candidate], metric: str
) -> Annotated[Candidate, "best_model_candidate"]:
    """Return the winning family's estimator and parameters, recording every score."""
    best = select_best(search_results, get_metric(metric))
    logger.info(
        "Cross-validated %s by family: %s; best: %s",
        metric,
        "; ".join(result.describe() for result in search_results),
        best.family,
    )
    log_metadata(
        metadata={
            "model_selection": {
                "metric": metric,
                "cv_scores": {result.family: result.cv_score for result in search_results},
                "best": best.family,
                "search_rows": best.search_rows,
                "skipped": {
                    result.family: result.skipped for result in search_results if result.skipped
                },
            }
        },
        infer_model=True,
    )
    return best
