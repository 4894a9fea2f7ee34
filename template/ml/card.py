"""A model version's card, in Markdown: its intended use, data, scores, limits and promotion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from ml.evaluation import ModelEvaluation
from ml.promotion import PromotionDecision
from ml.roles import LEFT_OUT

# A class with fewer labelled rows than this, or a smaller share of them, is named
# among the known limits.
SMALL_CLASS_ROWS = 30
SMALL_CLASS_SHARE = 0.05


class CardText(BaseModel):
    """The card's own words, from the `model` group of configs/training.yaml."""

    model_config = ConfigDict(frozen=True)

    description: str | None = None
    audience: str | None = None
    use_cases: str | None = None
    limitations: str | None = None
    trade_offs: str | None = None
    ethics: str | None = None


class DataFacts(BaseModel):
    """What a version was trained on: the dataset, its digest, its columns and its size.

    `dataset_version` is the data file's digest (custom data only); `fingerprint` is
    the digest of the training rows' content, which every version has.
    """

    model_config = ConfigDict(frozen=True)

    dataset: str
    dataset_version: str | None = None
    fingerprint: str
    rows: int
    training_rows: int
    target_column: str
    task_type: str
    roles: dict[str, str]
    date_ranges: dict[str, tuple[str, str]] = {}
    class_counts: dict[str, int] = {}


def date_ranges(frame: pd.DataFrame, roles: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Return the first and last date of each datetime column, as ISO dates."""
    ranges = {}
    for name, role in roles.items():
        if role != "datetime" or name not in frame.columns:
            continue
        moments = pd.to_datetime(frame[name], errors="coerce", format="mixed", utc=True).dropna()
        if not moments.empty:
            ranges[name] = (moments.min().date().isoformat(), moments.max().date().isoformat())
    return ranges


def describe_data(
    frame: pd.DataFrame, contract: Mapping[str, Any], dataset: str, dataset_version: str | None
) -> DataFacts:
    """Return the facts of the labelled rows `frame` that a version's contract describes."""
    target = contract["target_column"]
    roles = {name: spec.get("role", spec["kind"]) for name, spec in contract["columns"].items()}
    counts = {}
    if contract["task_type"] == "classification" and target in frame.columns:
        counts = {
            str(label): int(n) for label, n in frame[target].value_counts().sort_index().items()
        }
    return DataFacts(
        dataset=dataset,
        dataset_version=dataset_version,
        fingerprint=contract["fingerprint"],
        rows=len(frame),
        training_rows=contract["rows"],
        target_column=target,
        task_type=contract["task_type"],
        roles=roles,
        date_ranges=date_ranges(frame, roles),
        class_counts=counts,
    )


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return [*lines, *("| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows)]


def known_limits(
    data: DataFacts, evaluation: ModelEvaluation, skipped_families: Mapping[str, str]
) -> list[str]:
    """Return the limits a reader should know: skipped families, small or untested classes."""
    limits = [
        f"Model family {family} did not compete: {reason}."
        for family, reason in skipped_families.items()
    ]
    left_out = [name for name, role in data.roles.items() if role in LEFT_OUT]
    if left_out:
        limits.append("Columns left out of the features: " + ", ".join(left_out) + ".")
    categorical = [
        name for name, role in data.roles.items() if role in ("categorical", "high_cardinality")
    ]
    if categorical:
        limits.append(
            "Categories that training never saw (in "
            + ", ".join(categorical)
            + ") are predicted as rare or unknown ones."
        )
    total = sum(data.class_counts.values())
    small = [
        f"{label} ({count} rows)"
        for label, count in data.class_counts.items()
        if count < SMALL_CLASS_ROWS or count < SMALL_CLASS_SHARE * total
    ]
    if small:
        limits.append("Small classes, whose scores are uncertain: " + ", ".join(small) + ".")
    untested = [label for label, count in evaluation.class_support.items() if count == 0]
    if untested:
        limits.append("Classes with no test row, so never scored: " + ", ".join(untested) + ".")
    return limits


def build_card(
    name: str,
    version: str,
    text: CardText,
    data: DataFacts,
    evaluation: ModelEvaluation,
    decision: PromotionDecision,
    skipped_families: Mapping[str, str] | None = None,
) -> str:
    """Return the Markdown card of one model version."""
    lines = [f"# Model card: {name}, version {version}", ""]
    if text.description:
        lines += [text.description, ""]
    lines += ["## Intended use", ""]
    for label, value in (
        ("Audience", text.audience),
        ("Use cases", text.use_cases),
        ("Limitations", text.limitations),
        ("Trade-offs", text.trade_offs),
        ("Ethics", text.ethics),
    ):
        if value:
            lines.append(f"- **{label}**: {value}")
    lines += ["", "## Data", ""]
    digest = f"file digest `{data.dataset_version}`; " if data.dataset_version else ""
    lines += [
        f"- Dataset: `{data.dataset}`; {digest}training rows' content digest `{data.fingerprint}`",
        f"- Rows: {data.rows:,} labelled, {data.training_rows:,} trained on, "
        f"{evaluation.interval.rows:,} held out for testing",
        f"- Target: `{data.target_column}` ({data.task_type})",
    ]
    for column, (first, last) in data.date_ranges.items():
        lines.append(f"- Dates in `{column}`: {first} to {last}")
    if data.class_counts:
        counts = ", ".join(f"{label}: {count:,}" for label, count in data.class_counts.items())
        lines.append(f"- Rows per class: {counts}")
    lines += ["", *_table(["column", "role"], [[f"`{c}`", r] for c, r in data.roles.items()])]
    interval = evaluation.interval
    lines += ["", "## Metrics", ""]
    rows = [[dataset, f"{score:.4f}", ""] for dataset, score in evaluation.scores.items()]
    for row in rows:
        if row[0] == "test":
            row[2] = f"{interval.low:.4f} to {interval.high:.4f}"
    lines += _table(["set", evaluation.label, f"{interval.level:.0%} bootstrap interval"], rows)
    lines += ["", f"The interval comes from {interval.resamples} resamples of the test rows."]
    lines += ["", "## Quality gates", ""]
    if evaluation.gates:
        direction = "at least" if evaluation.greater_is_better else "at most"
        lines += _table(
            ["set", "score", "gate", "result"],
            [
                [
                    gate.dataset,
                    f"{gate.score:.4f}",
                    f"{direction} {gate.threshold}",
                    "held" if gate.held else "missed",
                ]
                for gate in evaluation.gates
            ],
        )
    else:
        lines.append("No quality gate is set.")
    lines += ["", "## Known limits", ""]
    limits = known_limits(data, evaluation, skipped_families or {})
    lines += [f"- {limit}" for limit in limits] or ["None recorded."]
    verdict = "Promoted" if decision.promote else "Not promoted"
    lines += ["", "## Promotion", "", f"{verdict}: {decision.reason}.", ""]
    return "\n".join(lines)


def with_card(report_html: str, card: str, version: int | str) -> str:
    """Return a report page that opens with the card of the version it is about.

    The card's Markdown is shown as it is, folded, at the top of the page's body.
    """
    import html

    section = (
        '<details style="margin:1em;font-family:sans-serif"><summary>'
        f"Model version {html.escape(str(version))}: its card</summary>"
        f'<pre style="white-space:pre-wrap">{html.escape(card)}</pre></details>'
    )
    head, body, rest = report_html.partition("<body>")
    return f"{head}{body}{section}{rest}" if body else section + report_html
