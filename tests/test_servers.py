"""The same project against real servers on loopback: a ZenML server and an MLflow server."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from conftest import assert_all_pipelines_completed, inspect, run, zenml_cli
from generated_project import (
    free_port,
    run_in_project,
    setup_stack,
)


def http_json(
    url: str, form: dict | None = None, json_body: dict | None = None, token: str | None = None
) -> dict:
    """GET `url`, or POST a form or a JSON body to it, and return the JSON answer."""
    request = urllib.request.Request(url)
    if form is not None:
        request.data = urllib.parse.urlencode(form).encode()
    if json_body is not None:
        request.data = json.dumps(json_body).encode()
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_pipelines_run_on_a_zenml_server_and_show_in_its_api(running_project) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    project = running_project(setup=False, zenml_server_url=url, deployer="none")
    unconnected = run_in_project(project, ["scripts/setup_stack.py"], check=False, capture=True)
    assert f"Connect to it first with `zenml login {url}`" in unconnected.stderr

    zenml_cli(project, "login", "--local", "--port", url.rsplit(":", 1)[1])
    try:
        setup_stack(project)
        run(project)
        failed = run(project, "--fail-on-quality-gates", "--test-threshold", "1.01", check=False)
        state = inspect(project)
        token = http_json(f"{url}/api/v1/login", {"username": "default", "password": ""})[
            "access_token"
        ]
        runs = http_json(f"{url}/api/v1/runs?size=50&hydrate=true", token=token)["items"]
    finally:
        zenml_cli(project, "logout", "--local", check=False)

    statuses = sorted((item["name"].split("-")[0], item["body"]["status"]) for item in runs)
    assert statuses == [
        ("batch_inference", "completed"),
        ("training", "completed"),
        ("training", "failed"),
    ]
    assert state["predictions"] == 57
    # The failure alert (logged: this stack has no alerter) links to the run on the server.
    assert "Pipeline training failed (run" in failed
    assert f"Dashboard: {url}/" in failed


@pytest.mark.slow
def test_runs_and_model_versions_reach_an_mlflow_server(running_project, mlflow_server) -> None:
    project = running_project(
        setup=False,
        experiment_tracker="mlflow_remote",
        mlflow_tracking_uri=mlflow_server,
        deployer="none",
    )
    missing = run_in_project(project, ["scripts/setup_stack.py"], check=False, capture=True)
    assert "from the ZenML secret 'mlflow_credentials', which does not exist" in missing.stderr
    zenml_cli(
        project, "secret", "create", "mlflow_credentials", "--username=ci", "--password=unused"
    )
    setup_stack(project)
    output = run(project)
    assert "Predicting 57 rows with model version 1." in output
    state = inspect(project)
    assert_all_pipelines_completed(state, training_runs=1)

    api = f"{mlflow_server}/api/2.0/mlflow"
    name = "zenml_e2e_project"
    registered = http_json(f"{api}/registered-models/get?name={name}")["registered_model"]
    assert {"alias": "staging", "version": "1"} in registered["aliases"]
    versions = http_json(f"{api}/model-versions/search?filter=name%3D%27{name}%27")
    tags = {tag["key"]: tag["value"] for tag in versions["model_versions"][0]["tags"]}
    assert tags["promotion.promote"] == "True"
    experiment = http_json(f"{api}/experiments/get-by-name?experiment_name=training")
    experiment_id = experiment["experiment"]["experiment_id"]
    [tracked] = http_json(f"{api}/runs/search", json_body={"experiment_ids": [experiment_id]})[
        "runs"
    ]
    metrics = {metric["key"] for metric in tracked["data"]["metrics"]}
    params = {param["key"]: param["value"] for param in tracked["data"]["params"]}
    assert "cv_accuracy" in metrics
    assert params["family"] in {"logistic_regression", "random_forest"}
    assert tracked["info"]["run_id"] == state["versions"][0]["mlflow"]["run_id"]
