"""The training configuration is usable as written: metric, families and search spaces."""

from pathlib import Path

import pytest
import yaml

from ml.metrics import get_metric
from ml.roles import ROLES
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


def test_column_roles_and_bounds_are_usable() -> None:
    assert set(TRAINING["column_roles"].values()) <= set(ROLES)
    assert TRAINING["max_features"] >= 1
    assert TRAINING["search_max_rows"] >= 2 * TRAINING["cv_folds"]
