"""Announce a failed run: which step failed and why."""

from zenml import get_step_context
from zenml.utils.dashboard_utils import get_run_url

from ml.alerts import failure_message
from stack.components import post_alert


def notify_on_failure(exception: BaseException) -> None:
    """Failure hook: post where the run failed, the error's first line and a link."""
    context = get_step_context()
    run = context.pipeline_run
    post_alert(
        failure_message(
            context.pipeline.name, run.name, context.step_run.name, exception, get_run_url(run)
        )
    )
