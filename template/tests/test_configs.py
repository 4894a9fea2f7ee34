"""The training configuration is usable as written: metric, families and search spaces."""

from pathlib import Path

import pytest
import yaml

from ml.metrics import get_metric
from ml.search import build_estimator, search_space

TRAINING = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "configs" / "training.yaml").read_text()
)["parameters"]


def test_the_metric_fits_the_task() -> None:
    get_metric(TRAINING["metric"], TRAINING["task_type"])


@pytest.mark.parametrize("family", sorted(TRAINING["model_families"]))
def test_each_family_builds_and_its_space_parses(family: str) -> None:
    spec = TRAINING["model_families"][family]
    estimator = build_estimator(spec["estimator"], spec.get("defaults") or {}, random_state=0)
    metric = get_metric(TRAINING["metric"])
    metric.check_estimator(estimator)
    space = search_space(family, spec.get("search_space") or {}, TRAINING["search_strategy"])
    assert set(space) <= set(estimator.get_params())
