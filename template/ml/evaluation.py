"""A model version's evaluation: its test score with an interval, and a report to look at.

The report is one self-contained HTML page: figures drawn by scikit-learn's display
classes with matplotlib's Agg backend, embedded as base64 PNGs, so that the ZenML
dashboard and MLflow show it offline. Figures work on samples of the test rows where
a sample draws the same picture, so that the report stays cheap on large tables.
"""

from __future__ import annotations

import base64
import html
import io
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from ml.metrics import Metric
from ml.promotion import PromotionDecision

BOOTSTRAP_RESAMPLES = 200
INTERVAL_LEVEL = 0.95
# Resamples are drawn from at most this many rows; a wider table's interval is narrowed
# by the square root of the ratio (an m-out-of-n bootstrap).
BOOTSTRAP_ROWS = 5_000
CURVE_ROWS = 20_000
IMPORTANCE_ROWS = 2_000
IMPORTANCE_REPEATS = 3
# Shuffled copies of the rows are predicted this many rows at a time.
IMPORTANCE_BATCH_ROWS = 200_000
TOP_FEATURES = 15
# One-vs-rest curves are drawn for at most this many classes, the largest first.
MAX_CURVE_CLASSES = 10
FIGURE_SIZE = (4.6, 3.6)
FIGURE_DPI = 72


class ScoreInterval(BaseModel):
    """A metric on the test rows with its bootstrap interval."""

    model_config = ConfigDict(frozen=True)

    metric: str
    value: float
    low: float
    high: float
    level: float = INTERVAL_LEVEL
    resamples: int
    rows: int

    def describe(self) -> str:
        """Return the score and its interval as one line."""
        return (
            f"{self.metric} {self.value:.4f} ({self.level:.0%} interval {self.low:.4f} to "
            f"{self.high:.4f}; {self.resamples} bootstrap resamples of {self.rows} test rows)"
        )


class GateCheck(BaseModel):
    """One quality gate: the score it judged, its threshold and whether the score held."""

    model_config = ConfigDict(frozen=True)

    dataset: str
    score: float
    threshold: float
    held: bool


class ModelEvaluation(BaseModel):
    """What the evaluator found: scores, the test interval, gates, per-class rows, importance.

    `class_support` counts the test rows of each class the model knows (0 for a class
    the test rows lack); `importance` is the drop in the metric when a raw column is
    shuffled, for the most important columns.
    """

    model_config = ConfigDict(frozen=True)

    metric: str
    label: str
    greater_is_better: bool
    scores: dict[str, float]
    interval: ScoreInterval
    gates: list[GateCheck] = []
    class_support: dict[str, int] = {}
    importance: dict[str, float] = {}

    def as_metadata(self) -> dict[str, Any]:
        """Return the test interval and whether each gate held, as ZenML metadata."""
        interval = self.interval
        return {
            "test_interval": {
                "low": interval.low,
                "high": interval.high,
                "level": interval.level,
                "resamples": interval.resamples,
                "rows": interval.rows,
            },
            "gates": {gate.dataset: gate.held for gate in self.gates},
        }


@dataclass(frozen=True)
class Predictions:
    """A model's answers on test rows: labels or values, and per-class scores if any.

    `scores` rank the rows for each class (one column per class): the probabilities
    when the model gives them, otherwise its decision function; `probabilities` is
    None for a model without them.
    """

    target: np.ndarray
    predicted: np.ndarray
    probabilities: np.ndarray | None = None
    classes: tuple[Any, ...] = ()
    scores: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.scores is None and self.probabilities is not None:
            object.__setattr__(self, "scores", self.probabilities)

    @property
    def rows(self) -> int:
        """Return the number of rows predicted."""
        return len(self.target)

    def subset(self, rows: np.ndarray) -> Predictions:
        """Return the predictions of the given row positions."""
        probabilities = None if self.probabilities is None else self.probabilities[rows]
        scores = None if self.scores is None else self.scores[rows]
        return Predictions(
            self.target[rows], self.predicted[rows], probabilities, self.classes, scores
        )


def predict(model: Any, features: pd.DataFrame, target: pd.Series) -> Predictions:
    """Return `model`'s predictions on the rows, with its per-class scores when it has them.

    A classifier's classes are those it was trained on, so that a class the test rows
    lack still has its row in the tables.
    """
    classes = tuple(getattr(model, "classes_", ()))
    probabilities = model.predict_proba(features) if hasattr(model, "predict_proba") else None
    scores = None
    if probabilities is None and classes and hasattr(model, "decision_function"):
        scores = np.asarray(model.decision_function(features))
        if scores.ndim == 1:  # two classes: the score of the second
            scores = np.column_stack([-scores, scores])
    return Predictions(
        np.asarray(target), np.asarray(model.predict(features)), probabilities, classes, scores
    )


def _roc_auc(predictions: Predictions) -> float:
    from sklearn.metrics import roc_auc_score

    assert predictions.probabilities is not None
    if len(predictions.classes) == 2:
        positive = predictions.target == predictions.classes[1]
        return roc_auc_score(positive, predictions.probabilities[:, 1])
    return roc_auc_score(
        predictions.target,
        predictions.probabilities,
        multi_class="ovr",
        labels=list(predictions.classes),
    )


def _log_loss(predictions: Predictions) -> float:
    from sklearn.metrics import log_loss

    labels = list(predictions.classes)
    return log_loss(predictions.target, predictions.probabilities, labels=labels)


def _from_sklearn(name: str, **options: Any) -> Callable[[Predictions], float]:
    def score(predictions: Predictions) -> float:
        import sklearn.metrics

        function = getattr(sklearn.metrics, name)
        return function(predictions.target, predictions.predicted, **options)

    return score


# Each metric of ml/metrics.py computed from predictions, as its scorer computes it.
FROM_PREDICTIONS: dict[str, Callable[[Predictions], float]] = {
    "accuracy": _from_sklearn("accuracy_score"),
    "balanced_accuracy": _from_sklearn("balanced_accuracy_score"),
    "f1": _from_sklearn("f1_score", average="macro", zero_division=0),
    "precision": _from_sklearn("precision_score", average="macro", zero_division=0),
    "recall": _from_sklearn("recall_score", average="macro", zero_division=0),
    "roc_auc": _roc_auc,
    "log_loss": _log_loss,
    "r2": _from_sklearn("r2_score"),
    "rmse": _from_sklearn("root_mean_squared_error"),
    "mae": _from_sklearn("mean_absolute_error"),
}


def _label_score(name: str, matrix: np.ndarray) -> float:
    """Return a label metric from a confusion matrix (true classes in rows), as sklearn does.

    Averages run over the classes that are true or predicted at least once
    (balanced_accuracy: true at least once); a ratio with nothing to divide is 0.
    """
    true, predicted = matrix.sum(axis=1), matrix.sum(axis=0)
    hits = np.diag(matrix)
    if name == "accuracy":
        return float(hits.sum() / matrix.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(true > 0, hits / true, 0.0)
        precision = np.where(predicted > 0, hits / predicted, 0.0)
        f1 = np.where(true + predicted > 0, 2 * hits / (true + predicted), 0.0)
    if name == "balanced_accuracy":
        return float(recall[true > 0].mean())
    seen = (true + predicted) > 0
    chosen = {"precision": precision, "recall": recall, "f1": f1}[name]
    return float(chosen[seen].mean())


LABEL_METRICS = ("accuracy", "balanced_accuracy", "f1", "precision", "recall")


def label_resampler(predictions: Predictions) -> Callable[[str, np.ndarray], float]:
    """Return a fast scorer of label metrics on resampled rows, through a confusion matrix.

    sklearn's label metrics cost about 10 ms a call whatever the rows; 200 resamples of
    a confusion matrix counted with numpy cost a few milliseconds in all.
    """
    labels, codes = np.unique(
        np.concatenate([predictions.target, predictions.predicted]), return_inverse=True
    )
    width = len(labels)
    pairs = codes[: predictions.rows] * width + codes[predictions.rows :]

    def score(name: str, rows: np.ndarray) -> float:
        matrix = np.bincount(pairs[rows], minlength=width * width).reshape(width, width)
        return _label_score(name, matrix)

    return score


def score_predictions(metric: Metric, predictions: Predictions) -> float:
    """Return the metric of the predictions, equal to what `metric.score` gives the model."""
    return float(FROM_PREDICTIONS[metric.name](predictions))


def bootstrap_interval(
    metric: Metric,
    predictions: Predictions,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
    max_rows: int = BOOTSTRAP_ROWS,
) -> ScoreInterval:
    """Return the metric on all rows with a percentile interval over bootstrap resamples.

    The same seed and rows draw the same resamples, so two versions' intervals on the
    same test rows are paired. A resample the metric cannot score (one class only, for
    roc_auc) is left out, and `resamples` counts those scored. On more rows than
    `max_rows`, resamples of `max_rows` rows are drawn and their spread is scaled down
    to the whole test set's.
    """
    value = score_predictions(metric, predictions)
    rows = predictions.rows
    drawn = min(rows, max_rows)
    scale = np.sqrt(drawn / rows)
    generator = np.random.default_rng(seed)
    fast = label_resampler(predictions) if metric.name in LABEL_METRICS else None
    scores = []
    with warnings.catch_warnings():
        # A metric undefined on a resample warns and gives NaN, or raises: left out.
        warnings.simplefilter("ignore")
        for _ in range(resamples):
            positions = generator.integers(0, rows, size=drawn)
            try:
                if fast is not None:
                    score = fast(metric.name, positions)
                else:
                    score = score_predictions(metric, predictions.subset(positions))
            except ValueError:
                continue
            if np.isfinite(score):
                scores.append(score)
    if scores:
        tail = (1 - INTERVAL_LEVEL) / 2 * 100
        low, high = np.percentile(scores, [tail, 100 - tail])
        if drawn < rows:
            centre = float(np.mean(scores))
            low, high = value + (low - centre) * scale, value + (high - centre) * scale
    else:
        low = high = value
    return ScoreInterval(
        metric=metric.name,
        value=value,
        low=float(low),
        high=float(high),
        resamples=len(scores),
        rows=rows,
    )


def check_gates(
    metric: Metric, scores: Mapping[str, float], thresholds: Mapping[str, float | None]
) -> list[GateCheck]:
    """Return each set gate with its score and whether the score met it."""
    return [
        GateCheck(
            dataset=dataset,
            score=scores[dataset],
            threshold=threshold,
            held=metric.meets(scores[dataset], threshold),
        )
        for dataset, threshold in thresholds.items()
        if threshold is not None
    ]


def raw_column_importance(
    pipeline: Any,
    rows: pd.DataFrame,
    target: pd.Series,
    metric: Metric,
    seed: int = 0,
    max_rows: int = IMPORTANCE_ROWS,
    top: int = TOP_FEATURES,
) -> dict[str, float]:
    """Return how much the metric worsens when each raw column is shuffled, largest first.

    `pipeline` takes raw rows (preprocessing and model), so the importance is that of
    the columns people know, not of encoded features: the mean, over
    IMPORTANCE_REPEATS shuffles, of the score lost. Works on at most `max_rows` rows.
    """
    if len(rows) > max_rows:
        rows = rows.sample(max_rows, random_state=seed)
        target = target.loc[rows.index]
    rows, target = rows.reset_index(drop=True), target.reset_index(drop=True)
    baseline = score_predictions(metric, predict(pipeline, rows, target))
    generator = np.random.default_rng(seed)
    shuffled = [
        rows.assign(**{column: rows[column].to_numpy()[generator.permutation(len(rows))]})
        for column in rows.columns
        for _ in range(IMPORTANCE_REPEATS)
    ]
    lost: dict[str, list[float]] = {str(column): [] for column in rows.columns}
    # The shuffled copies are predicted in large batches: one call through preprocessing
    # per batch rather than one per copy.
    per_batch = max(1, IMPORTANCE_BATCH_ROWS // max(len(rows), 1))
    for first in range(0, len(shuffled), per_batch):
        batch = shuffled[first : first + per_batch]
        answers = predict(
            pipeline, pd.concat(batch, ignore_index=True), pd.concat([target] * len(batch))
        )
        for offset in range(len(batch)):
            copy = first + offset
            column = str(rows.columns[copy // IMPORTANCE_REPEATS])
            positions = np.arange(offset * len(rows), (offset + 1) * len(rows))
            score = score_predictions(metric, answers.subset(positions))
            lost[column].append(metric.improvement(baseline, score))
    ranked = sorted(
        ((name, float(np.mean(values))) for name, values in lost.items()),
        key=lambda item: -item[1],
    )
    return dict(ranked[:top])


def class_support(predictions: Predictions) -> dict[str, int]:
    """Return the number of test rows of each class the model knows, 0 for absent ones."""
    counts = pd.Series(predictions.target).value_counts()
    return {str(label): int(counts.get(label, 0)) for label in predictions.classes}


def evaluate(
    metric: Metric,
    predictions: Predictions,
    scores: Mapping[str, float],
    thresholds: Mapping[str, float | None],
    importance: Mapping[str, float],
    seed: int = 0,
) -> ModelEvaluation:
    """Return the evaluation of a version from its test predictions and scores."""
    return ModelEvaluation(
        metric=metric.name,
        label=metric.label,
        greater_is_better=metric.greater_is_better,
        scores=dict(scores),
        interval=bootstrap_interval(metric, predictions, seed=seed),
        gates=check_gates(metric, scores, thresholds),
        class_support=class_support(predictions) if predictions.classes else {},
        importance=dict(importance),
    )


# The report's pages: HTML around figures and tables.

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:72em}"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.4em;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
    "padding:.2em .6em;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}"
    ".held{color:#176617}.missed{color:#a31515;font-weight:bold}"
    ".figures{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}"
    "figcaption{font-size:.9em;color:#555}.note{color:#555;font-size:.9em}"
)


def _figure(
    draw: Callable[[Any], None], caption: str, size: tuple[float, float] = FIGURE_SIZE
) -> str:
    """Return a figure drawn by `draw(ax)` as an embedded PNG with its caption."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=size, dpi=FIGURE_DPI, layout="constrained")
    try:
        draw(ax)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=FIGURE_DPI)
    finally:
        plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{encoded}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _section(anchor: str, title: str, *parts: str) -> str:
    return f'<section id="{anchor}"><h2>{html.escape(title)}</h2>{"".join(parts)}</section>'


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


def _page(title: str, sections: Sequence[str]) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>'
        f"{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{''.join(sections)}</body></html>"
    )


def _score_section(evaluation: ModelEvaluation) -> str:
    interval = evaluation.interval
    rows = [[html.escape(dataset), f"{score:.4f}"] for dataset, score in evaluation.scores.items()]
    table = _table(["set", evaluation.label], rows)
    return _section("score", "Score", table, f"<p>{html.escape(interval.describe())}</p>")


def _gates_section(evaluation: ModelEvaluation) -> str:
    if not evaluation.gates:
        return _section("gates", "Quality gates", _note("No quality gate is set."))
    direction = "at least" if evaluation.greater_is_better else "at most"
    rows = [
        [
            html.escape(gate.dataset),
            f"{gate.score:.4f}",
            f"{direction} {gate.threshold}",
            f'<span class="{"held" if gate.held else "missed"}">'
            f"{'held' if gate.held else 'missed'}</span>",
        ]
        for gate in evaluation.gates
    ]
    return _section("gates", "Quality gates", _table(["set", "score", "gate", "result"], rows))


def _importance_section(evaluation: ModelEvaluation) -> str:
    if not evaluation.importance:
        return _section("importance", "Permutation importance", _note("Not computed."))
    names = list(evaluation.importance)[::-1]
    values = [evaluation.importance[name] for name in names]

    def draw(ax: Any) -> None:
        ax.barh(names, values, color="#4c72b0")
        ax.set_xlabel(f"drop in {evaluation.metric} when shuffled")
        ax.tick_params(axis="y", labelsize=7)

    caption = (
        f"The {len(names)} raw columns whose shuffling hurts {evaluation.metric} most "
        f"(test rows, at most {IMPORTANCE_ROWS:,}; mean of {IMPORTANCE_REPEATS} shuffles)."
    )
    return _section("importance", "Permutation importance", _figure(draw, caption))


def _sample(predictions: Predictions, seed: int, max_rows: int = CURVE_ROWS) -> Predictions:
    if predictions.rows <= max_rows:
        return predictions
    rows = np.random.default_rng(seed).choice(predictions.rows, size=max_rows, replace=False)
    return predictions.subset(rows)


def _curve_classes(predictions: Predictions) -> tuple[list[int], list[str]]:
    """Return the class positions to draw one-vs-rest curves for, and notes on the others."""
    support = pd.Series(predictions.target).value_counts()
    positions, notes = [], []
    for position, label in enumerate(predictions.classes):
        count = int(support.get(label, 0))
        if count == 0:
            notes.append(f"Class {label} has no test rows: it has no curve.")
        elif count == predictions.rows:
            notes.append(f"Class {label} is every test row: it has no curve.")
        else:
            positions.append(position)
    if len(predictions.classes) == 2:
        positions = [1] if 1 in positions else []
    if len(positions) > MAX_CURVE_CLASSES:
        positions = sorted(positions, key=lambda p: -support[predictions.classes[p]])
        notes.append(f"Curves are drawn for the {MAX_CURVE_CLASSES} largest classes only.")
        positions = sorted(positions[:MAX_CURVE_CLASSES])
    return positions, notes


def _classification_sections(predictions: Predictions, seed: int) -> list[str]:
    from sklearn.calibration import CalibrationDisplay
    from sklearn.metrics import (
        ConfusionMatrixDisplay,
        PrecisionRecallDisplay,
        RocCurveDisplay,
        precision_recall_fscore_support,
    )

    labels = list(predictions.classes)
    names = [str(label) for label in labels]
    rotation = 45 if len(labels) > 4 else "horizontal"

    def confusion(normalize: str | None) -> Callable[[Any], None]:
        def draw(ax: Any) -> None:
            ConfusionMatrixDisplay.from_predictions(
                predictions.target,
                predictions.predicted,
                labels=labels,
                display_labels=names,
                normalize=normalize,
                values_format=".2f" if normalize else "d",
                colorbar=False,
                xticks_rotation=rotation,
                cmap="Blues",
                ax=ax,
            )

        return draw

    sections = [
        _section(
            "confusion-matrix",
            "Confusion matrix",
            '<div class="figures">',
            _figure(confusion(None), "Test rows by true and predicted class (counts)."),
            _figure(confusion("true"), "The same, each true class's row normalised to 1."),
            "</div>",
        )
    ]
    precision, recall, f1, support = precision_recall_fscore_support(
        predictions.target, predictions.predicted, labels=labels, zero_division=0
    )
    rows = [
        [html.escape(name), f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", int(s)]
        for name, p, r, f, s in zip(names, precision, recall, f1, support, strict=True)
    ]
    sections.append(
        _section(
            "per-class",
            "Per-class precision, recall and F1",
            _table(["class", "precision", "recall", "F1", "support"], rows),
        )
    )
    if predictions.scores is None:
        note = _note("The model gives no class scores: no ROC, PR or calibration curve.")
        return [*sections, _section("curves", "Curves", note)]
    sample = _sample(predictions, seed)
    positions, notes = _curve_classes(sample)
    scores, probabilities = sample.scores, sample.probabilities
    assert scores is not None

    # The displays name the positive label of each one-vs-rest target (True): say what
    # the axes are instead.
    def curves(display: Any, x_label: str, y_label: str) -> Callable[[Any], None]:
        def draw(ax: Any) -> None:
            for position in positions:
                display.from_predictions(
                    sample.target == labels[position],
                    scores[:, position],
                    name=f"class {names[position]}",
                    drop_intermediate=True,
                    ax=ax,
                )
            if not positions:
                ax.text(0.5, 0.5, "no curve to draw", ha="center")
            ax.set_xlabel(x_label)
            ax.set_ylabel(y_label)
            ax.legend(fontsize=7, loc="best")

        return draw

    # Bins of equal rows, about 20 rows each: fewer rows per bin draw noise.
    calibration_bins = int(min(10, max(3, sample.rows // 20)))

    def calibration(ax: Any) -> None:
        assert probabilities is not None
        for index, position in enumerate(positions):
            CalibrationDisplay.from_predictions(
                sample.target == labels[position],
                probabilities[:, position],
                n_bins=calibration_bins,
                strategy="quantile",
                name=f"class {names[position]}",
                ref_line=index == 0,
                ax=ax,
            )
        ax.set_xlabel("mean predicted probability")
        ax.set_ylabel("observed share of the class")
        ax.legend(fontsize=7, loc="best")

    versus = "" if len(labels) == 2 else " (one class against the rest)"
    caption_rows = f"{sample.rows:,} test rows"
    notes_html = "".join(_note(note) for note in notes)
    sections += [
        _section(
            "roc",
            "ROC curve",
            _figure(
                curves(RocCurveDisplay, "false positive rate", "true positive rate"),
                f"ROC{versus}, {caption_rows}.",
            ),
            notes_html,
        ),
        _section(
            "precision-recall",
            "Precision-recall curve",
            _figure(
                curves(PrecisionRecallDisplay, "recall", "precision"), f"Precision-recall{versus}."
            ),
        ),
        _section(
            "calibration",
            "Calibration curve",
            _figure(calibration, f"Predicted probability against observed share{versus}.")
            if probabilities is not None
            else _note(
                "The model gives no class probabilities, only decision scores: the curves "
                "above rank rows by those, and there is no calibration to draw."
            ),
        ),
    ]
    return sections


def _regression_sections(predictions: Predictions, seed: int) -> list[str]:
    from sklearn.metrics import PredictionErrorDisplay

    target = predictions.target.astype(float)
    predicted = predictions.predicted.astype(float)
    residuals = target - predicted

    def error_display(kind: str) -> Callable[[Any], None]:
        def draw(ax: Any) -> None:
            PredictionErrorDisplay.from_predictions(
                target,
                predicted,
                kind=kind,
                subsample=min(CURVE_ROWS, len(target)),
                random_state=seed,
                scatter_kwargs={"alpha": 0.5, "s": 10},
                ax=ax,
            )

        return draw

    def distribution(ax: Any) -> None:
        ax.hist(residuals, bins=30, color="#4c72b0")
        ax.set_xlabel("residual (actual - predicted)")
        ax.set_ylabel("test rows")

    deciles = pd.qcut(pd.Series(target), 10, duplicates="drop")
    by_decile = pd.Series(np.abs(residuals)).groupby(deciles, observed=True).mean()

    def decile_errors(ax: Any) -> None:
        ax.bar(range(len(by_decile)), by_decile.to_numpy(), color="#4c72b0")
        ax.set_xticks(range(len(by_decile)), [str(i + 1) for i in range(len(by_decile))])
        ax.set_xlabel("decile of the actual target (1: lowest)")
        ax.set_ylabel("mean absolute error")

    rows = [[html.escape(str(interval)), f"{error:.4g}"] for interval, error in by_decile.items()]
    return [
        _section(
            "predicted-vs-actual",
            "Predicted against actual",
            _figure(error_display("actual_vs_predicted"), "Each test row; the diagonal is exact."),
        ),
        _section(
            "residuals",
            "Residuals against predicted",
            _figure(
                error_display("residual_vs_predicted"),
                "Residuals that fan out grow with the prediction.",
            ),
        ),
        _section(
            "residual-distribution",
            "Residual distribution",
            _figure(distribution, "Residuals of the test rows."),
        ),
        _section(
            "error-by-decile",
            "Error by target decile",
            _figure(decile_errors, "Mean absolute error in each decile of the actual target."),
            _table(["actual target", "mean absolute error"], rows),
        ),
    ]


def evaluation_report(
    title: str, evaluation: ModelEvaluation, predictions: Predictions, seed: int = 0
) -> str:
    """Return the evaluation report as one self-contained HTML page.

    Classification: confusion matrices, per-class table, ROC, precision-recall and
    calibration curves; regression: predicted against actual, residuals, their
    distribution and the error by target decile; both: score with interval, quality
    gates and permutation importance.
    """
    if predictions.classes:
        task = _classification_sections(predictions, seed)
    else:
        task = _regression_sections(predictions, seed)
    sections = [
        _score_section(evaluation),
        _gates_section(evaluation),
        *task,
        _importance_section(evaluation),
    ]
    return _page(title, sections)


def promotion_report(
    title: str,
    decision: PromotionDecision,
    new: ScoreInterval,
    new_version: str,
    staged: ScoreInterval | None,
    staged_version: str | None,
) -> str:
    """Return the promotion comparison as an HTML page: both versions' scores and the decision.

    Both intervals come from the same resamples of the same test rows.
    """
    entries = [(f"version {new_version} (new)", new)]
    if staged is not None:
        entries.insert(0, (f"version {staged_version} (staged)", staged))

    def draw(ax: Any) -> None:
        for row, (_, interval) in enumerate(entries):
            ax.errorbar(
                [interval.value],
                [row],
                xerr=[
                    [max(interval.value - interval.low, 0)],
                    [max(interval.high - interval.value, 0)],
                ],
                fmt="o",
                capsize=5,
                color="#4c72b0" if row == len(entries) - 1 else "#888888",
            )
        ax.set_yticks(range(len(entries)), [name for name, _ in entries])
        ax.set_ylim(-0.7, len(entries) - 0.3)
        ax.set_xlabel(f"{new.metric}, {new.level:.0%} interval")

    rows = [
        [html.escape(name), f"{interval.value:.4f}", f"{interval.low:.4f} to {interval.high:.4f}"]
        for name, interval in entries
    ]
    verdict = "Promoted" if decision.promote else "Not promoted"
    sections = [
        _section(
            "decision",
            "Decision",
            f"<p><b>{verdict}</b>: {html.escape(decision.reason)}.</p>",
            _note(
                f"The new version must beat the staged one by more than {decision.min_improvement}."
            ),
        ),
        _section(
            "comparison",
            "Both versions on the same test rows",
            _table(["version", new.metric, "interval"], rows),
            _figure(
                draw, "Scores with their bootstrap intervals.", (6.0, 1.2 + 0.6 * len(entries))
            ),
        ),
    ]
    if staged is None:
        sections.append(_note("No staged version was scored on these rows: see the decision."))
    return _page(title, sections)
