"""Command line of the project: train, promote, deploy and batch-predict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml

CONFIGS = Path(__file__).resolve().parent / "configs"


def load_config(name: str) -> dict[str, Any]:
    """Return the parsed YAML file `configs/NAME.yaml`."""
    path = CONFIGS / f"{name}.yaml"
    try:
        return yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise click.ClickException(f"The configuration file {path} is missing.") from None
    except yaml.YAMLError as error:
        raise click.ClickException(f"{path} is not valid YAML: {error}") from None


def check_stack() -> None:
    """Fail early, naming the missing component, when the stack cannot run the project."""
    from zenml.client import Client

    from steps.stack import SETUP_HINT

    stack = Client().active_stack
    tracker = stack.experiment_tracker
    if tracker is None or tracker.flavor != "mlflow":
        raise click.ClickException(
            f"The active ZenML stack '{stack.name}' has no MLflow experiment tracker, "
            f"which training needs. {SETUP_HINT}"
        )


def run_pipeline(pipeline_name: str, overrides: dict[str, Any], no_cache: bool) -> None:
    """Run one pipeline with its configuration file and the command-line overrides."""
    import importlib

    config = load_config(pipeline_name)
    parameters = {**config.get("parameters", {}), **overrides}
    pipeline = getattr(importlib.import_module(f"pipelines.{pipeline_name}"), pipeline_name)
    options: dict[str, Any] = {
        "parameters": parameters,
        "settings": {"docker": load_config("docker")},
    }
    if no_cache:
        options["enable_cache"] = False
    if config.get("extra", {}).get("notify_on_failure"):
        from steps.alerts import notify_on_failure

        options["on_failure"] = notify_on_failure
    pipeline.with_options(config_path=str(CONFIGS / f"{pipeline_name}.yaml"), **options)()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--only-training", is_flag=True, help="Train and promote only; do not deploy or predict."
)
@click.option(
    "--only-inference", is_flag=True, help="Run batch inference only, with the promoted model."
)
@click.option("--no-cache", is_flag=True, help="Run every step again instead of reusing results.")
@click.option("--no-normalize", is_flag=True, help="Do not standardise numeric features.")
@click.option(
    "--drop-columns",
    default="",
    help="Comma-separated feature columns to leave out of training.",
)
@click.option(
    "--test-size",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="Share of labelled rows held out as the test set.",
)
@click.option("--train-threshold", type=float, help="Quality gate on the training-set metric.")
@click.option("--test-threshold", type=float, help="Quality gate on the test-set metric.")
@click.option(
    "--fail-on-quality-gates",
    is_flag=True,
    help="Fail training when a quality gate is missed, instead of warning.",
)
def main(
    only_training: bool,
    only_inference: bool,
    no_cache: bool,
    no_normalize: bool,
    drop_columns: str,
    test_size: float | None,
    train_threshold: float | None,
    test_threshold: float | None,
    fail_on_quality_gates: bool,
) -> None:
    """Train and promote a model, serve it, and predict new data with it.

    Pipelines read their settings from configs/; the options below override them
    for one run.
    """
    training_overrides: dict[str, Any] = {
        name: value
        for name, value in {
            "test_size": test_size,
            "train_threshold": train_threshold,
            "test_threshold": test_threshold,
        }.items()
        if value is not None
    }
    if no_normalize:
        training_overrides["normalize"] = False
    if drop_columns:
        training_overrides["drop_columns"] = [c.strip() for c in drop_columns.split(",")]
    if fail_on_quality_gates:
        training_overrides["fail_on_quality_gates"] = True

    if only_training and only_inference:
        raise click.UsageError("Choose --only-training or --only-inference, not both.")

    pipelines = ["training", "deployment", "batch_inference"]
    if only_training:
        pipelines = ["training"]
    elif only_inference:
        pipelines = ["batch_inference"]

    check_stack()
    for name in pipelines:
        run_pipeline(name, training_overrides if name == "training" else {}, no_cache)


if __name__ == "__main__":
    main()
