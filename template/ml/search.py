"""Hyperparameter search per model family and selection of the best family."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ml.metrics import Metric


def build_estimator(
    estimator_path: str, params: Mapping[str, Any], random_state: int | None = None
) -> Any:
    """Instantiate the estimator class at `estimator_path` (`package.module.Class`).

    `random_state` is applied to estimators that accept one, so that a run with the
    same configuration trains the same model.
    """
    module_name, _, class_name = estimator_path.rpartition(".")
    try:
        estimator_class = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as error:
        raise ValueError(
            f"Cannot import estimator '{estimator_path}': {error}. Give the full "
            "import path of an estimator class, such as "
            "'sklearn.ensemble.RandomForestClassifier'."
        ) from error
    estimator = estimator_class(**params)
    if random_state is not None and "random_state" in estimator.get_params():
        estimator.set_params(random_state=random_state)
    return estimator


def search_space(
    family: str, space: Mapping[str, Any], strategy: str
) -> dict[str, list[Any] | Any]:
    """Turn a family's configured search space into what scikit-learn's searches take.

    A parameter's values are a list, or for random search a range: a mapping with
    `low` and `high`, and optionally `log: true` (log-uniform) and `integer: true`.
    """
    from scipy import stats

    parsed: dict[str, list[Any] | Any] = {}
    for name, values in space.items():
        if isinstance(values, list | tuple):
            parsed[name] = list(values)
            continue
        if not (isinstance(values, Mapping) and {"low", "high"} <= set(values)):
            raise ValueError(
                f"Search space of '{family}', parameter '{name}': give a list of values, "
                f"or a range with `low` and `high` (and `log: true` for a log scale), "
                f"not {values!r}."
            )
        if strategy != "random":
            raise ValueError(
                f"Search space of '{family}', parameter '{name}': grid search needs a "
                "list of values; ranges are for random search."
            )
        low, high = values["low"], values["high"]
        if values.get("integer"):
            parsed[name] = stats.randint(int(low), int(high) + 1)
        elif values.get("log"):
            parsed[name] = stats.loguniform(low, high)
        else:
            parsed[name] = stats.uniform(low, high - low)
    return parsed


def search_family(
    family: str,
    spec: Mapping[str, Any],
    features: pd.DataFrame,
    target: pd.Series,
    metric: Metric,
    strategy: str,
    iterations: int,
    cv_folds: int,
    random_state: int,
) -> dict[str, Any]:
    """Search the family's parameter space by cross-validation on training data.

    Returns the family's name, estimator path, best parameters (defaults included)
    and its mean cross-validated score in the metric's own units.
    """
    from sklearn.model_selection import GridSearchCV, ParameterGrid, RandomizedSearchCV

    defaults = dict(spec.get("defaults") or {})
    space = search_space(family, spec.get("search_space") or {}, strategy)
    estimator = build_estimator(spec["estimator"], defaults, random_state)
    metric.check_estimator(estimator)
    common = {"scoring": metric.scorer, "cv": cv_folds, "error_score": "raise"}
    if strategy == "grid":
        search = GridSearchCV(estimator, space, **common)
    elif strategy == "random":
        finite = all(isinstance(values, list) for values in space.values())
        search = RandomizedSearchCV(
            estimator,
            space,
            n_iter=min(iterations, len(ParameterGrid(space))) if finite else iterations,
            random_state=random_state,
            **common,
        )
    else:
        raise ValueError(f"Unknown search strategy '{strategy}': use 'random' or 'grid'.")
    search.fit(features, target)
    return {
        "family": family,
        "estimator": spec["estimator"],
        "params": {**defaults, **to_builtin(search.best_params_)},
        "cv_score": metric.from_scorer_value(search.best_score_),
        "metric": metric.name,
    }


def to_builtin(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return parameters with NumPy scalars (drawn from ranges) as plain Python values."""
    return {
        name: value.item() if hasattr(value, "item") else value for name, value in params.items()
    }


def default_candidate(family: str, spec: Mapping[str, Any], metric: Metric) -> dict[str, Any]:
    """Describe a family trained with its configured defaults, without any search."""
    return {
        "family": family,
        "estimator": spec["estimator"],
        "params": dict(spec.get("defaults") or {}),
        "cv_score": None,
        "metric": metric.name,
    }


def select_best(candidates: Sequence[Mapping[str, Any]], metric: Metric) -> dict[str, Any]:
    """Return the candidate with the best cross-validated score for `metric`."""
    if not candidates:
        raise ValueError("No model family was searched: configure at least one family.")
    best = candidates[0]
    for candidate in candidates[1:]:
        if metric.improvement(candidate["cv_score"], best["cv_score"]) > 0:
            best = candidate
    return dict(best)


def train_candidate(
    candidate: Mapping[str, Any],
    features: pd.DataFrame,
    target: pd.Series,
    random_state: int,
) -> Any:
    """Fit the candidate's estimator with its parameters on the given rows."""
    model = build_estimator(candidate["estimator"], candidate["params"], random_state)
    return model.fit(features, target)
