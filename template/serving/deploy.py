"""Deploying, checking and stopping the online service of the staged model version."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONFIG_FILE = Path(__file__).resolve().parent.parent / "configs" / "serving.yaml"
HEALTH_TIMEOUT_SECONDS = 3

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServingConfig:
    """The settings of configs/serving.yaml."""

    model_name: str
    stage: str
    deployment_name: str
    max_request_bytes: int
    deploy_timeout: int

    @classmethod
    def load(cls, path: Path = CONFIG_FILE) -> ServingConfig:
        """Read the serving settings, naming the file when they are incomplete."""
        try:
            raw = yaml.safe_load(path.read_text()) or {}
            return cls(
                model_name=str(raw["model"]["name"]),
                stage=str(raw["model"]["stage"]),
                deployment_name=str(raw["deployment_name"]),
                max_request_bytes=int(raw["max_request_bytes"]),
                deploy_timeout=int(raw["deploy_timeout"]),
            )
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
            raise ValueError(
                f"{path} is missing or incomplete ({type(error).__name__}: {error}): it needs "
                "model.name, model.stage, deployment_name, max_request_bytes and deploy_timeout."
            ) from None


@dataclass(frozen=True)
class ServingState:
    """Which model version the deployment serves, where, and whether it answers."""

    model_version: int | None
    url: str | None
    healthy: bool
    action: str

    def describe(self, config: ServingConfig) -> str:
        """Return one line for people: what happened and where the service answers."""
        if self.url is None:
            return f"'{config.deployment_name}': {self.action}."
        answer = "answers" if self.healthy else "does not answer"
        return (
            f"'{config.deployment_name}' serves version {self.model_version} of "
            f"'{config.model_name}' at {self.url} ({self.action}; it {answer} /health). "
            f"POST {self.url}/invoke or {self.url}/predict; docs at {self.url}/docs."
        )


def is_healthy(url: str | None) -> bool:
    """Return whether the service at `url` answers its health check.

    ZenML's recorded status can still say running after the process died.
    """
    if not url:
        return False
    import httpx

    try:
        return httpx.get(f"{url}/health", timeout=HEALTH_TIMEOUT_SECONDS).status_code == 200
    except httpx.HTTPError:
        return False


def find_deployment(name: str) -> Any | None:
    """Return the ZenML deployment called `name`, or None."""
    from zenml.client import Client

    try:
        return Client().get_deployment(name)
    except KeyError:
        return None


def served_version(deployment: Any) -> int | None:
    """Return the model version a deployment's snapshot loads at start, if any."""
    snapshot = deployment.snapshot
    if snapshot is None:
        return None
    kwargs = snapshot.pipeline_configuration.init_hook_kwargs or {}
    version = kwargs.get("model_version")
    return int(version) if version is not None else None


def deployment_settings(config: ServingConfig) -> Any:
    """Return ZenML's deployment settings: our endpoints, our service, no /submit."""
    from zenml.config import (
        AppExtensionSpec,
        DeploymentDefaultEndpoints,
        DeploymentSettings,
    )

    return DeploymentSettings(
        app_title=f"{config.model_name} online inference",
        include_default_endpoints=(
            DeploymentDefaultEndpoints.DOC
            | DeploymentDefaultEndpoints.HEALTH
            | DeploymentDefaultEndpoints.INFO
            | DeploymentDefaultEndpoints.METRICS
        ),
        deployment_service_class="serving.service.PrivateRowsDeploymentService",
        app_extensions=[
            AppExtensionSpec(
                extension="serving.http.install",
                extension_kwargs={"max_request_bytes": config.max_request_bytes},
            )
        ],
        uvicorn_host="127.0.0.1",
    )


def serve(config: ServingConfig) -> ServingState:
    """Make the deployment serve the staged version; keep it untouched when it already does.

    A deployment of the staged version that answers /health is left alone (ZenML
    restarts a service on every provision); one that does not answer is started again;
    any other version is replaced. Raises an error naming the fix when no version holds
    the stage.
    """
    from zenml.client import Client

    client = Client()
    if client.active_stack.deployer is None:
        return ServingState(
            None, None, False, "not deployed: the stack has no deployer (batch inference only)"
        )
    try:
        staged = client.get_model_version(config.model_name, config.stage)
    except KeyError:
        raise RuntimeError(
            f"No version of '{config.model_name}' holds the stage '{config.stage}': run "
            "`python run.py` to train and promote one first."
        ) from None
    current = find_deployment(config.deployment_name)
    if current is not None and served_version(current) == staged.number:
        if is_healthy(current.url):
            return ServingState(staged.number, current.url, True, "unchanged")
        action = "restarted: it did not answer /health"
    elif current is not None:
        action = f"replaced version {served_version(current)}"
    else:
        action = "deployed"
    from pipelines.online_inference import online_inference
    from serving.state import load_served_model

    deployment = online_inference.with_options(
        on_init=load_served_model,
        on_init_kwargs={"model_name": config.model_name, "model_version": staged.number},
        settings={"deployment": deployment_settings(config)},
    ).deploy(deployment_name=config.deployment_name, timeout=config.deploy_timeout)
    return ServingState(staged.number, deployment.url, is_healthy(deployment.url), action)


def status(config: ServingConfig) -> ServingState:
    """Return what the deployment serves and whether it answers, changing nothing."""
    current = find_deployment(config.deployment_name)
    if current is None:
        return ServingState(None, None, False, "not deployed")
    return ServingState(served_version(current), current.url, is_healthy(current.url), "status")


def stop(config: ServingConfig) -> str:
    """Stop the deployment's service and remove the deployment; return what was done."""
    from zenml.client import Client

    if find_deployment(config.deployment_name) is None:
        return f"No deployment '{config.deployment_name}' is left: nothing to stop."
    Client().delete_deployment(config.deployment_name, force=True)
    return f"Stopped and removed the deployment '{config.deployment_name}'."
