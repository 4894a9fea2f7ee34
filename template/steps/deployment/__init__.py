"""Steps that serve the promoted model version."""

from steps.deployment.deployment_deploy import deployment_deploy

__all__ = ["deployment_deploy"]
