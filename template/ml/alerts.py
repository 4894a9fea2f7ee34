"""The text of the alerts that pipelines send on success and on failure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PROMOTION_KEYS = {
    "promote",
    "reason",
    "metric",
    "new_score",
    "current_score",
    "current_version",
    "min_improvement",
    "improvement",
    "missed_gates",
}
DRIFT_KEYS = {
    "drifted_share",
    "drifted_columns",
    "missing_share_reference",
    "missing_share_current",
}


def success_message(pipeline: str, run: str, details: Mapping[str, Any]) -> str:
    """Return the alert for a successful run, one line per result."""
    lines = [f"Pipeline `{pipeline}` succeeded (run `{run}`)."]
    lines += [f"- {line}" for line in describe_results(details)]
    return "\n".join(lines)


def describe_results(details: Mapping[str, Any]) -> list[str]:
    """Put a run's results into words: promotion and drift read as sentences."""
    lines: list[str] = []
    described: set[str] = set()
    if "promote" in details:
        lines += describe_promotion(details)
        described |= PROMOTION_KEYS
    if "drifted_share" in details:
        lines += describe_drift(details)
        described |= DRIFT_KEYS
    return lines + [f"{key}: {value}" for key, value in details.items() if key not in described]


def describe_promotion(decision: Mapping[str, Any]) -> list[str]:
    """Return the trained version's score and the promotion decision."""
    metric = decision["metric"]
    lines = [f"{metric} on the test set: {decision['new_score']:.4f}"]
    if decision.get("current_score") is not None:
        lines.append(
            f"{metric} of version {decision['current_version']}, now in the stage: "
            f"{decision['current_score']:.4f}"
        )
    verdict = "promoted" if decision["promote"] else "not promoted"
    lines.append(f"{verdict}: {decision['reason']}")
    return lines


def describe_drift(summary: Mapping[str, Any]) -> list[str]:
    """Return the share of drifted columns and the change in missing values."""
    drifted = ", ".join(summary["drifted_columns"]) or "none"
    lines = [f"drifted columns: {summary['drifted_share']:.0%} ({drifted})"]
    if "missing_share_current" in summary:
        lines.append(
            f"missing values: {summary['missing_share_reference']:.1%} in training, "
            f"{summary['missing_share_current']:.1%} in the new rows"
        )
    return lines


def failure_message(
    pipeline: str, run: str, step: str | None, error: BaseException, dashboard_url: str | None
) -> str:
    """Return the alert for a failed run: where it failed, the error, and a link."""
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    lines = [
        f"Pipeline `{pipeline}` failed (run `{run}`)" + (f" in step `{step}`." if step else "."),
        f"Error: {type(error).__name__}: {first_line}",
    ]
    if dashboard_url:
        lines.append(f"Dashboard: {dashboard_url}")
    return "\n".join(lines)
