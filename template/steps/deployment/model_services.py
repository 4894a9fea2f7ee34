"""Finding and replacing the MLflow services that serve this project's model."""

from __future__ import annotations

from typing import Any

from zenml.client import Client


def local_model_deployer() -> Any | None:
    """Return the stack's model deployer when it can serve from this machine.

    The MLflow deployer runs its server as a local process, so it serves only when
    the orchestrator runs steps on this machine too.
    """
    stack = Client().active_stack
    if stack.model_deployer is None or not stack.orchestrator.config.is_local:
        return None
    return stack.model_deployer


def model_services(model_name: str) -> list[Any]:
    """Return every deployment service of the stack's deployer for `model_name`."""
    deployer = local_model_deployer()
    if deployer is None:
        return []
    return deployer.find_model_server(model_name=model_name)


def running_service_for(model_name: str, artifact_uri: str) -> Any | None:
    """Return a running service that serves exactly `artifact_uri`, if there is one."""
    for service in model_services(model_name):
        if service.config.model_uri == artifact_uri and service.is_running:
            return service
    return None
