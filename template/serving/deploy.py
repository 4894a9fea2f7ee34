"""Deploying, checking and stopping the online service of the staged model version."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from ml import PROJECT_ROOT
from ml.settings import ServingConfig
from serving.identity import (
    IDENTITY_PATH,
    IdentityCheck,
    ServiceIdentity,
    check_identity,
    served_fingerprint,
    served_version,
)

# The code a deployment runs: a change to any of it is deployed again.
SERVED_PACKAGES = ("ml", "materializers", "pipelines", "serving", "stack", "steps")
# The only deployer whose service runs on this machine, outside a container.
LOCAL_DEPLOYER = "local"
# A local deploy that finds its port taken by another service tries again on a free one.
LOCAL_DEPLOY_ATTEMPTS = 3

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServingState:
    """Which model version the deployment serves, where, and what answers there."""

    model_version: int | None
    url: str | None
    answer: IdentityCheck | None
    action: str

    @property
    def healthy(self) -> bool:
        """Return whether the service at the URL answered as this deployment's."""
        return self.answer is not None and self.answer.ours

    def describe(self, config: ServingConfig) -> str:
        """Return one line for people: what happened and where the service answers."""
        if self.url is None:
            return f"'{config.deployment_name}': {self.action}."
        if self.answer is not None and self.answer.answers and not self.answer.ours:
            return (
                f"'{config.deployment_name}' is recorded at {self.url} ({self.action}), but "
                f"{self.answer.what} answers there, not this deployment: `make serve` "
                "deploys it again on a free port."
            )
        served = (
            f"'{config.deployment_name}' serves version {self.model_version} of "
            f"'{config.model_name}' at {self.url} ({self.action}; "
        )
        if not self.healthy:
            return f"{served}it does not answer: `make serve` starts it again)."
        return (
            f"{served}it answers {IDENTITY_PATH} as itself). "
            f"POST {self.url}/invoke or {self.url}/predict; docs at {self.url}/docs."
        )


def check_deployment(deployment: Any) -> IdentityCheck:
    """Return what answers at a deployment's URL, and whether it is that deployment."""
    return check_identity(deployment.url, ServiceIdentity.of(deployment), deployment.auth_key)


def find_deployment(name: str) -> Any | None:
    """Return the ZenML deployment called `name`, or None."""
    from zenml.client import Client

    try:
        return Client().get_deployment(name)
    except KeyError:
        return None


def fingerprint(config: ServingConfig, deployer: Any) -> str:
    """Return a digest of what a deployment is made from, besides the model version.

    It covers the serving settings, the deployer component's stored configuration
    (secret references, not their values) and the served code, so that a changed port,
    body limit or prediction function is deployed again rather than kept.
    """
    digest = hashlib.sha256()
    # Defaults left out: a setting added later, left at its default, redeploys nothing.
    digest.update(json.dumps(config.model_dump(exclude_defaults=True), sort_keys=True).encode())
    digest.update(str(deployer.id).encode())
    # The auth key is compared by auth_key_changed; a digest of it would leak it to a guess.
    settings = {key: value for key, value in deployer.configuration.items() if key != "auth_key"}
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for package in SERVED_PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def auth_key_changed(deployment: Any, deployer_config: Any) -> bool:
    """Return whether the deployer's auth key differs from the deployment's.

    The key is compared directly: its secret may have a new value under the same name.
    A generated key, which the deployer picks anew, counts as unchanged.
    """
    configured = deployer_config.auth_key or None
    if configured is None and deployer_config.generate_auth_key:
        return False
    return (deployment.auth_key or None) != configured


def listening_host(deployer_flavor: str) -> str:
    """Return the interface the service listens on under a deployer of this flavor.

    The local deployer runs the service as a process on this machine: loopback only.
    Every other deployer runs it in a container (Docker, Kubernetes, App Runner, Cloud
    Run), which is reached only through the container's own interface, from outside;
    there the auth key guards it.
    """
    return "127.0.0.1" if deployer_flavor == LOCAL_DEPLOYER else "0.0.0.0"


def deployment_settings(config: ServingConfig, deployer_flavor: str) -> Any:
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
                extension_kwargs={
                    "max_request_bytes": config.max_request_bytes,
                    "max_concurrent_runs": config.max_concurrent_runs,
                    "recording": config.recording(),
                },
            )
        ],
        uvicorn_host=listening_host(deployer_flavor),
    )


def serve(config: ServingConfig, on_starting: Callable[[], object] | None = None) -> ServingState:
    """Make the deployment serve the staged version; keep it untouched when it already does.

    A deployment of the staged version, made from the same code and settings, that
    answers `/identity` as itself is left alone (ZenML restarts a service on every
    provision); one that does not answer is started again, and one whose URL another
    service or program answers is deployed again, on a free port for the local
    deployer. Any other version, code, settings or auth key is deployed again. Raises
    an error naming the fix when no version holds the stage, or when what answers at
    the new service's URL is not this deployment. `on_starting` is called once the
    service is provisioned, while ZenML waits for it to answer.
    """
    from zenml.client import Client
    from zenml.enums import StackComponentType

    client = Client()
    if client.active_stack.deployer is None:
        return ServingState(
            None, None, None, "not deployed: the stack has no deployer (batch inference only)"
        )
    try:
        staged = client.get_model_version(config.model_name, config.stage)
    except KeyError:
        raise RuntimeError(
            f"No version of '{config.model_name}' holds the stage '{config.stage}': run "
            "`python run.py` to train and promote one first."
        ) from None
    deployer = client.active_stack_model.components[StackComponentType.DEPLOYER][0]
    wanted = fingerprint(config, deployer)
    current = find_deployment(config.deployment_name)
    if current is None:
        action = "deployed"
    elif served_version(current) != staged.number:
        action = f"replaced version {served_version(current)}"
    elif served_fingerprint(current) != wanted or auth_key_changed(
        current, client.active_stack.deployer.config
    ):
        action = "redeployed: its code or settings changed"
    else:
        found = check_deployment(current)
        if found.ours:
            return ServingState(staged.number, current.url, found, "unchanged")
        action = (
            f"redeployed: its URL was held by {found.what}"
            if found.answers
            else "restarted: it did not answer"
        )
    from pipelines.online_inference import online_inference
    from serving.state import load_served_model
    from upstream import short_deployment_polls

    flavor = client.active_stack.deployer.flavor
    pipeline = online_inference.with_options(
        on_init=load_served_model,
        on_init_kwargs={"model_name": config.model_name, "model_version": staged.number},
        settings={"deployment": deployment_settings(config, flavor)},
        extra={"serving_fingerprint": wanted},
    )

    def deploy() -> IdentityCheck:
        with short_deployment_polls(flavor, on_wait=on_starting):
            deployment = pipeline.deploy(
                deployment_name=config.deployment_name, timeout=config.deploy_timeout
            )
        return check_deployment(deployment)

    attempts = LOCAL_DEPLOY_ATTEMPTS if flavor == LOCAL_DEPLOYER else 1
    found = deploy_until_it_answers_as_itself(deploy, config.deployment_name, attempts)
    return ServingState(staged.number, found.url, found, action)


def deploy_until_it_answers_as_itself(
    deploy: Callable[[], IdentityCheck], deployment_name: str, attempts: int
) -> IdentityCheck:
    """Deploy until the service at the deployment's URL states its identity; return it.

    ZenML takes a deployment as running once anything answers `/health` at its URL. Two
    local projects that deploy at the same moment can both pick the same free port:
    one binds it, the other's process fails to, and ZenML then takes the first one's
    answer for the second one's (or the second one's process is found dead). Deployed
    again, the local deployer finds that port busy and takes another. Raises an error
    naming what answers, and the fix, once `attempts` deploys did not answer as this
    deployment.
    """
    from zenml.deployers.exceptions import DeployerError

    for attempt in range(1, attempts + 1):
        try:
            found = deploy()
        except DeployerError:
            recorded = find_deployment(deployment_name)
            found = check_deployment(recorded) if recorded is not None else None
            if attempt == attempts or found is None or not found.answers:
                raise  # the service itself failed, not a port taken under it
        if found.ours:
            return found
        if attempt < attempts:
            logger.warning(
                "%s answers at %s, not the deployment '%s': deploying it again on a free port.",
                found.what,
                found.url,
                deployment_name,
            )
    raise RuntimeError(
        f"{found.what} answers at {found.url}, not the deployment '{deployment_name}': "
        "stop what holds that URL, or give the deployer another port in "
        "configs/stack.yaml, then run `make serve`."
    )


def start_serving(config: ServingConfig) -> Future[ServingState]:
    """Run `serve(config)` in a thread; return once the service is starting, not serving.

    Before this returns, the thread has checked what is served, compiled and recorded
    the online pipeline, and started the service; what is left is waiting for it to
    answer, which on the local deployer is 7 s of imports in the service's own process.
    The caller may run a pipeline meanwhile: only that wait overlaps it, so the two
    pipelines' compilation, records and console output do not interleave. The future
    holds the outcome: the state, or the error that stopped serving.
    """
    starting = threading.Event()
    outcome: Future[ServingState] = Future()

    def run() -> None:
        try:
            outcome.set_result(serve(config, on_starting=starting.set))
        except BaseException as error:  # noqa: BLE001 - the caller reports it
            outcome.set_exception(error)
        finally:
            starting.set()

    threading.Thread(target=run, name="serving", daemon=True).start()
    starting.wait()
    return outcome


def status(config: ServingConfig) -> ServingState:
    """Return what the deployment serves and whether it answers, changing nothing."""
    current = find_deployment(config.deployment_name)
    if current is None:
        return ServingState(None, None, None, "not deployed")
    return ServingState(served_version(current), current.url, check_deployment(current), "status")


def stop(config: ServingConfig) -> str:
    """Stop the deployment's service and remove the deployment; return what was done."""
    from zenml.client import Client

    if find_deployment(config.deployment_name) is None:
        return f"No deployment '{config.deployment_name}' is left: nothing to stop."
    Client().delete_deployment(config.deployment_name, force=True)
    return f"Stopped and removed the deployment '{config.deployment_name}'."
