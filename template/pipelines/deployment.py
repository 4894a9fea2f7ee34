"""Deployment pipeline: serve the model version that holds the target stage."""

from zenml import pipeline

from steps.alerts import notify_on_success
from steps.deployment import deployment_deploy


@pipeline
def deployment(notify_on_success_enabled: bool) -> None:
    """Serve the promoted version, replacing the service of any earlier one."""
    summary = deployment_deploy()
    if notify_on_success_enabled:
        notify_on_success(details=summary)
