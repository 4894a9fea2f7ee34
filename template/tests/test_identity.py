"""A service is taken for this deployment's only when it states this deployment's identity."""

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ml.settings import ServingConfig
from serving import http
from serving.deploy import (
    ServingState,
    deploy_until_it_answers_as_itself,
    deployment_settings,
    listening_host,
)
from serving.identity import IdentityCheck, ServiceIdentity, check_identity, identify

URL = "http://127.0.0.1:8000"
OURS = ServiceIdentity("churn", "5b0c0c6e-1", "churn_model", 3, "f" * 64)
KEY = "unit-test-key"
SERVING = ServingConfig(
    model_name="churn_model",
    stage="production",
    deployment_name="churn",
    max_request_bytes=1024,
    max_concurrent_runs=4,
    deploy_timeout=60,
)


def deployment_record(identity: ServiceIdentity, auth_key: str | None = None) -> Any:
    """Return the fields of a ZenML deployment record that the identity is read from."""
    configuration = SimpleNamespace(
        init_hook_kwargs={
            "model_name": identity.model_name,
            "model_version": identity.model_version,
        },
        extra={"serving_fingerprint": identity.serving_fingerprint},
    )
    return SimpleNamespace(
        name=identity.deployment,
        id=identity.deployment_id,
        auth_key=auth_key,
        snapshot=SimpleNamespace(pipeline_configuration=configuration),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def foreign_server() -> Iterator[str]:
    """Yield the URL of `python -m http.server` on a free loopback port, and stop it."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert server.poll() is None and time.monotonic() < deadline, "http.server died"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_identity_is_read_from_the_deployment_record() -> None:
    assert ServiceIdentity.of(deployment_record(OURS)) == OURS


def test_only_the_expected_identity_counts_as_ours() -> None:
    assert identify(200, OURS.as_json(), "uvicorn", OURS, URL).ours
    other_project = ServiceIdentity("churn", "77aa-2", "churn_model", 3, "f" * 64)
    found = identify(200, other_project.as_json(), "uvicorn", OURS, URL)
    assert (found.answers, found.ours) == (True, False)
    assert found.what == (
        "another service, serving version 3 of 'churn_model' from the deployment 'churn' (77aa-2)"
    )
    older = ServiceIdentity("churn", "5b0c0c6e-1", "churn_model", 2, "e" * 64)
    assert identify(200, older.as_json(), None, OURS, URL).what.startswith(
        "an older service of this deployment, serving version 2"
    )


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (404, None, "a server (SimpleHTTP/0.6) that answers /identity with HTTP 404, no identity"),
        (200, ["a", "list"], "answers /identity with HTTP 200, no identity"),
        (200, {"status": "healthy"}, "an identity of another shape"),
        (401, {"detail": "no"}, "a server (SimpleHTTP/0.6) that refuses this deployment's key"),
    ],
)
def test_anything_else_that_answers_is_named_and_not_ours(
    status: int, body: Any, words: str
) -> None:
    found = identify(status, body, "SimpleHTTP/0.6", OURS, URL)
    assert (found.answers, found.ours) == (True, False)
    assert words in found.what


def test_a_plain_http_server_on_the_url_is_not_ours(foreign_server: str) -> None:
    found = check_identity(foreign_server, OURS, KEY)
    assert (found.answers, found.ours) == (True, False)
    assert found.what.startswith("a server (SimpleHTTP/")
    assert found.what.endswith("that answers /identity with HTTP 404, no identity")
    state = ServingState(3, foreign_server, found, "status")
    line = state.describe(SERVING)
    assert "\n" not in line and "serves version" not in line
    assert line.startswith(f"'churn' is recorded at {foreign_server} (status), but a server (")
    assert line.endswith("not this deployment: `make serve` deploys it again on a free port.")


def serve_in_thread(status: int, headers: dict[str, str], seen: list[str | None]) -> Any:
    """Start a loopback server that answers `status` and records each Authorization."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize(
    ("status", "headers", "sent"),
    [
        (404, {}, [None]),  # a program that took the port is never handed the key
        (200, {}, [None]),
        (401, {"WWW-Authenticate": "Bearer"}, [None, f"Bearer {KEY}"]),
    ],
)
def test_the_key_goes_only_to_a_server_that_asks_for_it(
    status: int, headers: dict[str, str], sent: list[str | None]
) -> None:
    seen: list[str | None] = []
    server = serve_in_thread(status, headers, seen)
    try:
        found = check_identity(f"http://127.0.0.1:{server.server_port}", OURS, KEY)
    finally:
        server.shutdown()
        server.server_close()
    assert seen == sent
    assert (found.answers, found.ours) == (True, False)


def test_nothing_listening_is_not_answering() -> None:
    found = check_identity(f"http://127.0.0.1:{free_port()}", OURS, None)
    assert (found.answers, found.ours, found.what) == (False, False, "nothing answers")
    state = ServingState(3, found.url, found, "status")
    assert "it does not answer: `make serve` starts it again" in state.describe(SERVING)


def service_app(auth_key: str | None) -> FastAPI:
    """Return a FastAPI app with the service's routes installed, as ZenML's app runner would."""
    app = FastAPI()
    runner = SimpleNamespace(
        asgi_app=app, deployment=deployment_record(OURS, auth_key), service=None
    )
    http.install(runner, max_request_bytes=1000, max_concurrent_runs=4)
    return app


def test_the_service_states_its_identity_behind_its_key() -> None:
    with TestClient(service_app(KEY)) as client:
        assert client.get("/identity").status_code == 401
        wrong = client.get("/identity", headers={"Authorization": "Bearer wrong"})
        assert wrong.status_code == 401
        right = client.get("/identity", headers={"Authorization": f"Bearer {KEY}"})
        assert right.status_code == 200
        assert identify(200, right.json(), None, OURS, URL).ours
    with TestClient(service_app(None)) as client:
        assert ServiceIdentity(**client.get("/identity").json()) == OURS


def test_everything_but_health_is_behind_the_key() -> None:
    app = service_app(KEY)
    # ZenML's own endpoints, as its app runner adds them; /health stays open for probes.
    for path in ("/health", "/info", "/metrics"):
        app.get(path)(lambda: {"ok": True})
    keyed = ["/identity", "/info", "/metrics", "/docs", "/redoc", "/openapi.json", "/info/"]
    with TestClient(app) as client:
        for path in keyed:
            refused = client.get(path)
            assert refused.status_code == 401, path
            assert refused.json()["detail"].startswith("A missing or wrong key")
            assert client.get(path, headers={"Authorization": f"Bearer {KEY}"}).status_code in (
                200,
                307,  # "/info/" redirects to "/info"
            ), path
        assert client.get("/health").status_code == 200
    with TestClient(service_app(None)) as client:
        assert client.get("/openapi.json").status_code == 200  # no key: nothing to ask for


def test_a_local_deploy_that_finds_another_service_deploys_again() -> None:
    foreign = IdentityCheck(URL, True, False, "another service, serving version 1")
    ours = IdentityCheck("http://127.0.0.1:8001", True, True, "this deployment's service")
    answers = [foreign, ours]
    assert deploy_until_it_answers_as_itself(lambda: answers.pop(0), "churn", 3) == ours
    assert answers == []


def test_a_deploy_that_never_answers_as_itself_stops_with_the_fix() -> None:
    foreign = IdentityCheck(URL, True, False, "a server (SimpleHTTP/0.6) that answers 404")
    calls = []

    def deploy() -> IdentityCheck:
        calls.append(1)
        return foreign

    with pytest.raises(RuntimeError) as failure:
        deploy_until_it_answers_as_itself(deploy, "churn", 1)
    assert len(calls) == 1  # a deployer in the cloud is not deployed again and again
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith(f"a server (SimpleHTTP/0.6) that answers 404 answers at {URL}")
    assert message.endswith(
        "give the deployer another port in configs/stack.yaml, then run `make serve`."
    )


@pytest.mark.parametrize(
    ("flavor", "host"),
    [
        ("local", "127.0.0.1"),
        ("docker", "0.0.0.0"),
        ("kubernetes", "0.0.0.0"),
        ("aws", "0.0.0.0"),
        ("gcp", "0.0.0.0"),
    ],
)
def test_each_deployer_listens_where_its_callers_reach_it(flavor: str, host: str) -> None:
    assert listening_host(flavor) == host
    settings = deployment_settings(SERVING, flavor)
    assert settings.uvicorn_host == host
