"""A monitoring history in S3 (a local moto server): two label runs at once both land.

The project's stack gets an S3 artifact store whose endpoint is the moto server; the
credentials reach it from the environment only, and must show up in no file, no
object of the bucket and no output.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import numpy as np
import pandas as pd
import pytest
import yaml
from moto.server import ThreadedMotoServer
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
    local = {"components": {"artifact_store": {"configuration": {"client_kwargs": {}}}}}
    local["components"]["artifact_store"]["configuration"]["client_kwargs"]["endpoint_url"] = url
    (project / "configs" / "stack.local.yaml").write_text(yaml.safe_dump(local))
    env = {**project_env(project), **credentials}
    outputs = []

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True
        )
        outputs.extend([done.stdout, done.stderr])
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

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
    runs = [
        subprocess.Popen(
            [sys.executable, "run.py", "--labels", f"labels_{number}.csv"],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(len(halves))
    ]
    for process in runs:
        stdout, stderr = process.communicate(timeout=600)
        outputs.extend([stdout, stderr])
        assert process.returncode == 0, stderr[-3000:]
        assert f"{ROWS} labels read; {ROWS} matched predictions in 2 batch(es)." in stdout

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

    # The credentials are in no file of the project, no object and no output.
    stored = [
        s3_client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        for item in s3_client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    ]
    files = [path.read_bytes() for path in project.rglob("*") if path.is_file()]
    for value in (credentials["AWS_ACCESS_KEY_ID"], credentials["AWS_SECRET_ACCESS_KEY"]):
        assert not any(value.encode() in content for content in [*stored, *files])
        assert not any(value in output for output in outputs)
