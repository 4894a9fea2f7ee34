"""Access to the active stack's components, resolved when a step runs, never at import."""

from __future__ import annotations

from typing import Any

from zenml.client import Client
from zenml.logger import get_logger

logger = get_logger(__name__)

SETUP_HINT = "Run `make setup` to register and activate this project's stack."


def require_component(kind: str) -> Any:
    """Return the active stack's component of `kind`, or say how to provision it."""
    stack = Client().active_stack
    component = getattr(stack, kind)
    if component is None:
        raise RuntimeError(
            f"The active ZenML stack '{stack.name}' has no {kind.replace('_', ' ')}. " + SETUP_HINT
        )
    return component


def configure_mlflow() -> None:
    """Point the MLflow client at the active stack's experiment tracker."""
    require_component("experiment_tracker").configure_mlflow()


def post_alert(message: str) -> bool:
    """Post `message` through the stack's alerter; log it when there is none.

    Credentials in any URL of the message (a dashboard link, an error naming a server)
    are taken out first. An alerter that fails never fails the pipeline: the error is
    logged in one line. Returns whether an alerter accepted the message.
    """
    from ml.alerts import without_credentials

    message = without_credentials(message)
    alerter = Client().active_stack.alerter
    if alerter is None:
        logger.info("No alerter in the active stack; the alert would say:\n%s", message)
        return False
    try:
        return bool(alerter.post(message))
    except Exception as error:  # noqa: BLE001 - an alert must never fail a pipeline
        logger.error("The alert was not sent: %s: %s", type(error).__name__, error)
        return False


def pipeline_run(run_name: str) -> Any:
    """Return the pipeline run called `run_name`, or None if it was never created."""
    try:
        return Client().get_pipeline_run(run_name)
    except KeyError:
        return None


def child_runs(run_name: str) -> list[str]:
    """Return the names of the runs that the run called `run_name` started, oldest first.

    A dynamic pipeline (the monitor) starts others (its training) as child runs.
    """
    run = pipeline_run(run_name)
    if run is None:
        return []
    children = Client().list_pipeline_runs(
        parent_run_id=run.id, sort_by="asc:created", size=100, hydrate=False
    )
    return [child.name for child in children.items]


def last_failure(run_name: str) -> str | None:
    """Return why the run called `run_name` failed, in one line, naming the step.

    ZenML raises only that a step failed; the step's own error is in the run's record.
    None when the run was never created or holds no step error.
    """
    run = pipeline_run(run_name)
    for name, step in (run.steps if run is not None else {}).items():
        info = step.exception_info
        if info is not None and info.message:
            kind = (info.source or "").rsplit(".", 1)[-1]
            first_line = info.message.strip().splitlines()[0]
            return f"step {name}: " + (f"{kind}: " if kind else "") + first_line
    return None
