"""Which deployment a service is: stated on `GET /identity`, checked by every client here.

A 200 on `/health` says only that something answers at a URL. After a service died,
its port may be taken by another project's service, or by any other program, so
`make status`, `make serve` and `run.py` ask the service who it is and compare the
answer with the deployment recorded in ZenML.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

IDENTITY_PATH = "/identity"
IDENTITY_TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class ServiceIdentity:
    """What a service serves: its deployment, the model version and the serving fingerprint.

    The deployment's id tells apart two projects that share a name; the fingerprint
    covers the served code and settings (`serving.deploy.fingerprint`).
    """

    deployment: str
    deployment_id: str
    model_name: str | None
    model_version: int | None
    serving_fingerprint: str | None

    @classmethod
    def of(cls, deployment: Any) -> ServiceIdentity:
        """Return the identity of a ZenML deployment, as recorded in its snapshot."""
        return cls(
            deployment=deployment.name,
            deployment_id=str(deployment.id),
            model_name=served_hook_kwargs(deployment).get("model_name"),
            model_version=served_version(deployment),
            serving_fingerprint=served_fingerprint(deployment),
        )

    def as_json(self) -> dict[str, Any]:
        """Return the identity as the service answers it."""
        return asdict(self)

    def describe(self) -> str:
        """Return a few words for people: the version and the deployment it belongs to."""
        return (
            f"version {self.model_version} of '{self.model_name}' from the deployment "
            f"'{self.deployment}' ({self.deployment_id})"
        )


def served_hook_kwargs(deployment: Any) -> dict[str, Any]:
    """Return the arguments the deployment's init hook loads its model with."""
    snapshot = deployment.snapshot
    if snapshot is None:
        return {}
    return dict(snapshot.pipeline_configuration.init_hook_kwargs or {})


def served_version(deployment: Any) -> int | None:
    """Return the model version a deployment's snapshot loads at start, if any."""
    version = served_hook_kwargs(deployment).get("model_version")
    return int(version) if version is not None else None


def served_fingerprint(deployment: Any) -> str | None:
    """Return the fingerprint a deployment was made with, if it has one."""
    snapshot = deployment.snapshot
    if snapshot is None:
        return None
    return snapshot.pipeline_configuration.extra.get("serving_fingerprint")


@dataclass(frozen=True)
class IdentityCheck:
    """What answers at a service's URL: nothing, the expected service, or something else.

    `answers` is False when nothing answers; `ours` is True only when the service
    stated the expected identity; `what` names what answers otherwise.
    """

    url: str
    answers: bool
    ours: bool
    what: str


def identify(
    status_code: int,
    body: Any,
    server: str | None,
    expected: ServiceIdentity,
    url: str,
) -> IdentityCheck:
    """Return whether an answer to `GET /identity` states `expected`, and what answered.

    `body` is the decoded JSON body (None when it is not JSON) and `server` the
    answer's Server header, which names the program when it is not our service.
    """
    program = f"a server ({server})" if server else "a server"
    if status_code == 401:
        what = f"{program} that refuses this deployment's key on {IDENTITY_PATH}"
        return IdentityCheck(url, True, False, what)
    if status_code != 200 or not isinstance(body, dict):
        what = f"{program} that answers {IDENTITY_PATH} with HTTP {status_code}, no identity"
        return IdentityCheck(url, True, False, what)
    try:
        stated = ServiceIdentity(**body)
    except TypeError:
        what = f"{program} that answers {IDENTITY_PATH} with an identity of another shape"
        return IdentityCheck(url, True, False, what)
    if stated != expected:
        what = f"another service, serving {stated.describe()}"
        if stated.deployment_id == expected.deployment_id:
            what = f"an older service of this deployment, serving {stated.describe()}"
        return IdentityCheck(url, True, False, what)
    return IdentityCheck(url, True, True, f"this deployment's service ({stated.describe()})")


def check_identity(
    url: str | None, expected: ServiceIdentity, auth_key: str | None
) -> IdentityCheck:
    """Ask the service at `url` who it is and compare it with `expected`.

    ZenML's recorded status can still say running after the process died, and another
    program may have taken its port since. The route is behind the deployment's key, if
    it has one; the key is sent only to a server that asks for a bearer token, so that
    a program that took the port is not handed it.
    """
    import httpx

    if not url:
        return IdentityCheck("", False, False, "no URL is recorded")
    try:
        response = httpx.get(f"{url}{IDENTITY_PATH}", timeout=IDENTITY_TIMEOUT_SECONDS)
        if auth_key and response.status_code == 401 and "www-authenticate" in response.headers:
            response = httpx.get(
                f"{url}{IDENTITY_PATH}",
                headers={"Authorization": f"Bearer {auth_key}"},
                timeout=IDENTITY_TIMEOUT_SECONDS,
            )
    except httpx.HTTPError:
        return IdentityCheck(url, False, False, "nothing answers")
    try:
        body = response.json()
    except ValueError:
        body = None
    return identify(response.status_code, body, response.headers.get("server"), expected, url)
