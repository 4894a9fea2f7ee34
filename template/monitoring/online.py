"""Closing the online service's days into history batches (ml/online.py), from the CLI.

`python run.py --monitor` and `--labels` close every day that is over before they read
the history, so that the trigger counts a day's online predictions as one batch per
model version, and late labels find them.
"""

from __future__ import annotations

import click

from ml.history import BatchRecord, History
from ml.online import VersionFacts, close_days, now_utc, recorded_days
from ml.prediction import ServedModel


def version_facts(model_name: str, model_version: int) -> VersionFacts:
    """Return a version's metric, contract, preprocessing and estimator, from ZenML."""
    from zenml.client import Client

    version = Client().get_model_version(model_name, model_version)
    preprocess = version.get_artifact("preprocess_pipeline")
    if preprocess is None:
        raise LookupError(
            f"version {model_version} of '{model_name}' has no preprocess_pipeline artifact: "
            "its online predictions cannot become a batch until it is restored."
        )
    estimator_artifact = version.get_artifact("performance_estimator")
    estimator = estimator_artifact.load() if estimator_artifact is not None else None
    metric = (
        estimator.metric if estimator is not None else version.run_metadata["evaluation"]["metric"]
    )
    served = ServedModel(
        version=version.number,
        contract=preprocess.run_metadata["data_contract"],
        preprocess_pipeline=preprocess.load(),
        model=None,
    )
    return VersionFacts(metric=metric, served=served, estimator=estimator)


def close_online_days(history: History, estimate_rows: int) -> list[BatchRecord]:
    """Close the online days that are over into batches; say what was done, a line each.

    A history that cannot be read stops the command in one line; a day whose version
    is gone from ZenML stays open, with a warning, and the command goes on.
    """
    try:
        if not recorded_days(history):
            return []
        closed = close_days(history, version_facts, estimate_rows, now_utc())
    except (ValueError, OSError) as error:
        raise click.ClickException(str(error).splitlines()[0]) from None
    for record in closed.batches:
        estimated = "none" if record.estimated is None else f"{record.estimated:.4f}"
        click.echo(
            f"A day of online predictions by version {record.model_version} became "
            f"batch {record.batch_id} ({record.rows} rows; "
            f"estimated {record.metric}: {estimated})."
        )
    for problem in closed.problems:
        click.echo(f"Warning: {problem}", err=True)
    return closed.batches
