"""Hyperparameter search per model family and selection of the best family."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from ml.metrics import Metric

if TYPE_CHECKING:
    from ml.settings import ModelFamily, SearchSettings


class Candidate(BaseModel):
    """A model family as the search left it: its parameters and cross-validated score.

    `cv_score` is None for a family trained with its defaults, without a search;
    `skipped` says why a family was not searched at all.
    """

    model_config = ConfigDict(frozen=True)

    family: str
    metric: str
    estimator: str | None = None
    params: dict[str, Any] = {}
    cv_score: float | None = None
    search_rows: int | None = None
    max_training_rows: int | None = None
    skipped: str | None = None

    def describe(self) -> str:
        """Return the family and how it fared, in one line for people."""
        if self.skipped:
            return f"{self.family}: skipped ({self.skipped})"
        if self.cv_score is None:
            return f"{self.family}: its defaults, not searched"
        return (
            f"{self.family}: cross-validated {self.metric} {self.cv_score:.4f} on "
            f"{self.search_rows:,} rows"
        )


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


def sample_for_search(
    features: pd.DataFrame,
    target: pd.Series,
    max_rows: int,
    task_type: str,
    random_state: int,
) -> tuple[pd.DataFrame, pd.Series]:
    """Return at most `max_rows` rows, stratified by class or by target decile.

    Cross-validated search costs folds x draws fits, so on large data it runs on a
    sample; the chosen candidate is then fitted on every training row.
    """
    if len(features) <= max_rows:
        return features, target
    from sklearn.model_selection import train_test_split

    if task_type == "classification":
        strata = target if target.value_counts().min() >= 2 else None
    else:
        strata = pd.qcut(target.rank(method="first"), q=10, labels=False)
    if strata is not None and len(features) - max_rows < strata.nunique():
        strata = None  # too few rows left out to keep a row of every stratum out

    sample, _, sample_target, _ = train_test_split(
        features, target, train_size=max_rows, stratify=strata, random_state=random_state
    )
    return sample, sample_target


def too_many_rows(family: str, limit: int | None, rows: int) -> str | None:
    """Return why the family cannot train on `rows` rows in reasonable time, or None.

    `limit` is the family's `max_training_rows` (set for SVMs and k-nearest
    neighbours, whose cost grows with the square of the rows or with every prediction).
    """
    if limit is None or rows <= limit:
        return None
    return (
        f"'{family}' is limited to {limit:,} training rows (its max_training_rows in "
        f"configs/training.yaml) and the data has {rows:,}"
    )


def search_family(
    family: str,
    search: SearchSettings,
    features: pd.DataFrame,
    target: pd.Series,
    preprocessor: Any,
    metric: Metric,
    random_state: int,
) -> Candidate:
    """Search the space of `family`, one of `search`'s model families, on raw training rows.

    The search follows `search`'s strategy, iterations and folds. Each fold fits a fresh
    copy of `preprocessor` before the estimator, so that nothing learnt from a fold's
    held-out rows (a median, a target encoding) reaches its training. Returns the
    family's name, estimator path, best parameters (defaults included) and mean
    cross-validated score in the metric's own units.
    """
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, ParameterGrid, RandomizedSearchCV
    from sklearn.pipeline import Pipeline

    model_family = search.model_families[family]
    defaults = dict(model_family.defaults)
    space = search_space(family, model_family.search_space, search.strategy)
    estimator = build_estimator(model_family.estimator, defaults, random_state)
    metric.check_estimator(estimator)
    pipeline = Pipeline([("preprocess", clone(preprocessor)), ("model", estimator)])
    space = {f"model__{name}": values for name, values in space.items()}
    # No refit: the chosen candidate is fitted on every training row by the trainer.
    cv = search.cv_folds
    common = {"scoring": metric.scorer, "cv": cv, "error_score": "raise", "refit": False}
    if search.strategy == "grid":
        cv_search = GridSearchCV(pipeline, space, **common)
    elif search.strategy == "random":
        draws = search.iterations
        if all(isinstance(values, list) for values in space.values()):
            draws = min(draws, len(ParameterGrid(space)))
        cv_search = RandomizedSearchCV(
            pipeline, space, n_iter=draws, random_state=random_state, **common
        )
    else:
        raise ValueError(f"Unknown search strategy '{search.strategy}': use 'random' or 'grid'.")
    cv_search.fit(features, target)
    best = {name.removeprefix("model__"): value for name, value in cv_search.best_params_.items()}
    return Candidate(
        family=family,
        metric=metric.name,
        estimator=model_family.estimator,
        params={**defaults, **to_builtin(best)},
        cv_score=metric.from_scorer_value(cv_search.best_score_),
        search_rows=len(features),
        max_training_rows=model_family.max_training_rows,
    )


def to_builtin(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return parameters with NumPy scalars (drawn from ranges) as plain Python values."""
    return {
        name: value.item() if hasattr(value, "item") else value for name, value in params.items()
    }


def default_candidate(family: str, model_family: ModelFamily, metric: Metric) -> Candidate:
    """Describe a family trained with its configured defaults, without any search."""
    return Candidate(
        family=family,
        metric=metric.name,
        estimator=model_family.estimator,
        params=dict(model_family.defaults),
        max_training_rows=model_family.max_training_rows,
    )


def skipped(family: str, reason: str, metric: Metric) -> Candidate:
    """Describe a family that was not searched, and why."""
    return Candidate(family=family, metric=metric.name, skipped=reason)


def select_best(candidates: Sequence[Candidate], metric: Metric) -> Candidate:
    """Return the searched candidate with the best cross-validated score for `metric`.

    Raises a ValueError naming every family and why it was skipped when none was
    searched.
    """
    searched = [candidate for candidate in candidates if not candidate.skipped]
    if not searched:
        reasons = "; ".join(str(candidate.skipped) for candidate in candidates)
        raise ValueError(
            f"No model family could be searched: {reasons or 'none is configured'}. Add a "
            "family that scales, such as hist_gradient_boosting, under search.model_families "
            "in configs/training.yaml."
        )
    best = searched[0]
    for candidate in searched[1:]:
        if metric.improvement(candidate.cv_score, best.cv_score) > 0:
            best = candidate
    return best


def train_candidate(
    candidate: Candidate,
    features: pd.DataFrame,
    target: pd.Series,
    random_state: int,
) -> Any:
    """Fit the candidate's estimator with its parameters on the given rows."""
    model = build_estimator(str(candidate.estimator), candidate.params, random_state)
    return model.fit(features, target)
