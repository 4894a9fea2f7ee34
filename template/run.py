"""Command line of the project: train, promote, serve and batch-predict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml

from upstream import cache_package_lookups

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


def require_staged_version() -> None:
    """Stop before serving and predicting when training left no version in the stage."""
    from zenml.client import Client

    training = load_config("training")
    name, stage = training["model"]["name"], training["parameters"]["target_stage"]
    try:
        Client().get_model_version(name, stage)
    except KeyError:
        raise click.ClickException(
            f"No version of '{name}' holds the stage '{stage}': the version just trained "
            "missed its quality gates (the log names each one), so nothing can serve or "
            "predict. Improve the model or lower train_threshold/test_threshold in "
            "configs/training.yaml, then run again."
        ) from None


def serve_staged_version() -> None:
    """Serve the staged version online, alerting as the training configuration asks.

    Deployment happens here, on the client, rather than in a pipeline step: a
    containerised deployer needs the image that only the client builds.
    """
    from serving.deploy import ServingConfig, serve
    from steps.stack import post_alert

    training = load_config("training")
    config = ServingConfig.load()
    try:
        state = serve(config)
    except Exception as error:  # noqa: BLE001 - alert, then one line for the user
        message = f"Serving failed: {type(error).__name__}: {error}"
        if training.get("extra", {}).get("notify_on_failure"):
            post_alert(message)
        raise click.ClickException(message) from None
    click.echo(state.describe(config))
    if training.get("parameters", {}).get("notify_on_success_enabled"):
        post_alert(f"Online serving: {state.describe(config)}")


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
    "--only-training", is_flag=True, help="Train and promote only; do not serve or predict."
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
    help="Fail training when a quality gate is missed, instead of only not promoting.",
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
    """Train and promote a model, serve it online, and predict new data with it.

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

    cache_package_lookups()
    check_stack()
    if not only_inference:
        run_pipeline("training", training_overrides, no_cache)
    if not (only_training or only_inference):
        require_staged_version()
        serve_staged_version()
    if not only_training:
        run_pipeline("batch_inference", {}, no_cache)


if __name__ == "__main__":
    main()
