"""Steps that decide whether a new model version takes over the target stage."""

from steps.promotion.promote_latest import promote_latest
from steps.promotion.promote_with_metric_compare import promote_with_metric_compare

__all__ = ["promote_latest", "promote_with_metric_compare"]
