"""A monitoring history in S3 (a local moto server): two label runs at once both land.

The project's stack gets an S3 artifact store whose endpoint is the moto server; the
credentials reach it from the environment only, and must show up in no file, no
object of the bucket and no output.
"""

from __future__ import annotations

import io
import json
import secrets
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pandas as pd
import pytest
import yaml
from moto.server import ThreadedMotoServer
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import accuracy_score

from conftest import REPO_ROOT, Renderer
from generated_project import free_port, project_env

BUCKET = "team-artifacts"
HISTORY = "zenml/monitoring_history"
ROWS = 200


@pytest.fixture
def s3() -> Iterator[tuple[str, dict[str, str]]]:
    """Start a local S3 with a bucket; yield its URL and the credentials that reach it."""
    credentials = {
        "AWS_ACCESS_KEY_ID": f"AKIA{secrets.token_hex(8).upper()}",
        "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        client(url, credentials).create_bucket(Bucket=BUCKET)
        yield url, credentials
    finally:
        # moto keeps its buckets in this process, past the server: the next test starts empty.
        reset = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
        try:
            urllib.request.urlopen(reset, timeout=30).close()
        finally:
            server.stop()


def client(url: str, credentials: dict[str, str]) -> Any:
    """Return a boto3 S3 client of the local S3."""
    return boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        region_name=credentials["AWS_DEFAULT_REGION"],
    )


def batch(key: str, seed: int) -> pd.DataFrame:
    """Return a batch's predictions, right about 80% of the time, and their truth."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, ROWS)
    predictions = np.where(rng.random(ROWS) < 0.8, truth, 1 - truth)
    probability = np.clip(predictions * 0.7 + rng.random(ROWS) * 0.3, 0, 1)
    return pd.DataFrame(
        {
            "prediction_id": [f"{key}-{n}" for n in range(ROWS)],
            "prediction": predictions,
            "proba:0": 1 - probability,
            "proba:1": probability,
            "truth": truth,
        }
    )


def test_two_label_runs_at_once_on_an_s3_history_both_land(
    render_project: Renderer, s3: tuple[str, dict[str, str]]
) -> None:
    url, credentials = s3
    project = render_project(
        artifact_store="s3",
        artifact_store_path=f"s3://{BUCKET}/zenml",
        experiment_tracker="mlflow_remote",
        mlflow_tracking_uri="https://mlflow.example.com",
    )
    monitoring = yaml.safe_load((project / "configs" / "monitoring.yaml").read_text())
    assert monitoring["history_path"] == f"s3://{BUCKET}/{HISTORY}"
    # The endpoint is where this team's S3 is; the credentials stay in the environment.
    use_local_s3(project, url)
    env = {**project_env(project), **credentials}
    outputs: list[str] = []
    run = runner(project, env, outputs)
    run(str(REPO_ROOT / "tests" / "register_stack.py"))
    batches = {key: batch(key, seed) for seed, key in enumerate(["a1b2c3d4e5f6", "0f9e8d7c6b5a"])}
    for key, frame in batches.items():
        frame.drop(columns="truth").to_parquet(project / f"{key}.parquet")
    run(str(REPO_ROOT / "tests" / "seed_history.py"), *(f"{key}.parquet" for key in batches))

    # Two files, each with half of each batch's labels, recorded at the same time.
    halves = [slice(0, ROWS // 2), slice(ROWS // 2, ROWS)]
    for number, rows in enumerate(halves):
        labels = pd.concat(frame.iloc[rows] for frame in batches.values())
        labels.rename(columns={"truth": "target"})[["prediction_id", "target"]].to_csv(
            project / f"labels_{number}.csv", index=False
        )
    files = [f"labels_{number}.csv" for number in range(len(halves))]
    for printed in record_at_once(project, env, files, outputs):
        assert f"{ROWS} labels read; {ROWS} matched predictions in 2 batch(es)." in printed

    status = json.loads(run("-m", "monitoring", "status", "--json"))
    by_id = {row["batch_id"]: row for row in status["batches"]}
    assert set(by_id) == set(batches)
    for key, frame in batches.items():
        assert by_id[key]["labelled_share"] == 1.0
        assert by_id[key]["realized"] == pytest.approx(
            accuracy_score(frame["truth"], frame["prediction"])
        )

    # Everything is in the bucket: each batch's record, predictions and a labels part per run.
    s3_client = client(url, credentials)
    listed = s3_client.list_objects_v2(Bucket=BUCKET, Prefix=f"{HISTORY}/batches/")
    names = sorted(item["Key"].rsplit("/", 1)[-1] for item in listed.get("Contents", []))
    for key in batches:
        assert f"{key}.json" in names and f"{key}.predictions.parquet" in names
        assert len([name for name in names if name.startswith(f"{key}.labels.")]) == 2
    assert not list(project.glob("monitoring_history"))  # nothing kept on this machine

    assert_no_credentials(project, s3_client, credentials, outputs)


def assert_no_credentials(
    project: Path, s3_client: Any, credentials: dict[str, str], outputs: list[str]
) -> None:
    """Assert that the credentials are in no file of the project, no object and no output."""
    stored = [
        s3_client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        for item in page.get("Contents", [])
    ]
    files = [path.read_bytes() for path in project.rglob("*") if path.is_file()]
    for value in (credentials["AWS_ACCESS_KEY_ID"], credentials["AWS_SECRET_ACCESS_KEY"]):
        assert not any(value.encode() in content for content in [*stored, *files])
        assert not any(value in output for output in outputs)


def use_local_s3(project: Path, url: str) -> None:
    """Point the stack's S3 artifact store at the local S3, as a team's own file would."""
    local = {"components": {"artifact_store": {"configuration": {"client_kwargs": {}}}}}
    local["components"]["artifact_store"]["configuration"]["client_kwargs"]["endpoint_url"] = url
    (project / "configs" / "stack.local.yaml").write_text(yaml.safe_dump(local))


def runner(project: Path, env: dict[str, str], outputs: list[str]) -> Callable[..., str]:
    """Return a function that runs `python ARGS` in the project, keeping what it printed."""

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True
        )
        outputs.extend([done.stdout, done.stderr])
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    return run


def record_at_once(
    project: Path, env: dict[str, str], files: list[str], outputs: list[str]
) -> list[str]:
    """Run `run.py --labels FILE` for each file at the same time; return what each printed."""
    runs = [
        subprocess.Popen(
            [sys.executable, "run.py", "--labels", name],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in files
    ]
    printed = []
    for process in runs:
        stdout, stderr = process.communicate(timeout=600)
        outputs.extend([stdout, stderr])
        assert process.returncode == 0, stderr[-3000:]
        printed.append(stdout)
    return printed


@pytest.mark.slow
def test_a_project_on_an_s3_artifact_store_keeps_its_history_in_the_bucket(
    render_project: Renderer, s3: tuple[str, dict[str, str]], mlflow_server: str
) -> None:
    url, credentials = s3
    project = render_project(
        dataset="custom",
        dataset_path="data/table.csv",
        target_column="target",
        inference_data_path="data/batch.csv",
        hyperparameters_tuning=False,
        deployer="none",
        artifact_store="s3",
        artifact_store_path=f"s3://{BUCKET}/zenml",
        experiment_tracker="mlflow_remote",
        mlflow_tracking_uri=mlflow_server,
    )
    use_local_s3(project, url)
    table = load_breast_cancer(as_frame=True).frame
    (project / "data").mkdir()
    table.iloc[:369].to_csv(project / "data" / "table.csv", index=False)
    batches = [table.iloc[369:469], table.iloc[469:]]
    env = {**project_env(project), **credentials}
    outputs: list[str] = []
    run = runner(project, env, outputs)
    run(str(REPO_ROOT / "tests" / "register_stack.py"))  # the MLflow secret: dummy values
    run("run.py", "--only-training")
    for batch in batches:
        batch.drop(columns="target").to_csv(project / "data" / "batch.csv", index=False)
        assert f"Predicting {len(batch)} rows" in run("run.py", "--only-inference")

    recorded = json.loads(run("-m", "monitoring", "status", "--json"))["batches"]
    assert len(recorded) == 2
    s3_client = client(url, credentials)
    truth = {}
    for row, batch in zip(recorded, batches, strict=True):
        key = f"{HISTORY}/batches/{row['batch_id']}.predictions.parquet"
        body = s3_client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        predictions = pd.read_parquet(io.BytesIO(body))
        truth[row["batch_id"]] = predictions.assign(target=batch["target"].to_numpy())
    # Half of each batch's labels in each file, the two recorded at the same time.
    for number in range(2):
        labels = pd.concat(
            frame.iloc[number::2][["prediction_id", "target"]] for frame in truth.values()
        )
        labels.to_csv(project / f"labels_{number}.csv", index=False)
    for printed in record_at_once(project, env, ["labels_0.csv", "labels_1.csv"], outputs):
        assert "matched predictions in 2 batch(es)." in printed

    status = json.loads(run("-m", "monitoring", "status", "--json"))
    for row in status["batches"]:
        frame = truth[row["batch_id"]]
        assert row["labelled_share"] == 1.0
        assert row["realized"] == pytest.approx(
            accuracy_score(frame["target"].astype(str), frame["prediction"].astype(str))
        )
    monitored = run("run.py", "--monitor")
    assert "The retrain trigger holds:" in monitored or "Retraining" in monitored
    assert not list(project.glob("monitoring_history"))  # nothing kept on this machine
    assert_no_credentials(project, s3_client, credentials, outputs)
