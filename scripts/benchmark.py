"""Time the generated project against the same work done by plain scripts.

Renders the default answers into a temporary folder and prints, for this machine:
(a) a fresh process running scripts/plain_sklearn.py, (b) a cold `python run.py` on
fresh stores, (c) an identical second run, and the ratios b/a and c/a (targets: at
most 5 and 2.5);
then batch inference on 1,000,000 rows of the default schema: (d) `run.py
--only-inference` on them, (e) a plain script that reads, transforms and predicts the
same rows with the same fitted objects, and (f) the same inference on the default
57 rows, its fixed start-up cost. Targets: d - f at most 1.5 e, and d's peak memory at
most 1.3 times e's.
Monitoring of that batch: (h) the batch_recorder step (its record, predictions and
NannyML estimate) against the rest of the run (target: at most 15%), and (i) `run.py
--labels` with 1,000,000 labels against (j) a plain pandas join and metrics of the same
files (target: at most 2x).
Then online serving: the time `python -m serving serve` takes to deploy, and, for the
service's /invoke (a recorded run per request) and /predict (no run), and for MLflow's
own scoring server on the same registered model, the latency p50 and p95 of 1-row and
100-row requests and the rows per second of a 10,000-row request. Target: /predict's
1-row p50 at most 2x MLflow's.
Last, real tables (scripts/real_table.py: a text timestamp, a 5,000-level code, an
identifier, free text, gaps) of 1,000,000 rows, as regression and as classification
with the default answers and `dataset: custom`: training and batch inference of
1,000,000 new rows, wall time and peak memory, against the same work as plain scripts.
Targets: training within 2x the plain script's time; peak memory within 1.5x the plain
script's and under 4 GiB.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import yaml

from generated_project import (
    free_port,
    project_env,
    render,
    run_in_project,
    service_url,
    setup_stack,
    stop_services,
    wait_until_healthy,
)

SCRIPTS = Path(__file__).resolve().parent
BIG_BATCH_ROWS = 1_000_000
REAL_TABLE_ROWS = 1_000_000
LATENCY_REQUESTS = {1: 60, 100: 30}  # rows per request: requests timed
THROUGHPUT_ROWS = 10_000


def measure(project: Path, args: list[str]) -> tuple[float, float]:
    """Run `python ARGS` in the project; return wall seconds and peak memory in MiB.

    The peak is the largest resident size of the process and its children together,
    sampled every 50 ms.
    """
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=project,
        env=project_env(project),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(member.memory_info().rss for member in tree))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{process.stderr.read()[-3000:]}")
    return seconds, peak / 2**20


def write_big_batch(path: Path) -> None:
    """Write BIG_BATCH_ROWS rows of the default schema, resampled with a little noise."""
    import numpy as np
    from sklearn.datasets import load_breast_cancer

    features = load_breast_cancer(as_frame=True).data
    rng = np.random.default_rng(0)
    rows = features.sample(n=BIG_BATCH_ROWS, replace=True, random_state=0).reset_index(drop=True)
    rows *= rng.normal(1.0, 0.01, size=rows.shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_parquet(path)


def big_predictions(project: Path) -> Path:
    """Return the history's predictions file of the largest recorded batch."""
    files = (project / "monitoring_history" / "batches").glob("*.predictions.parquet")
    return max(files, key=lambda path: path.stat().st_size)


def write_big_labels(project: Path) -> Path:
    """Write a label for every prediction of the largest batch; return the file."""
    import numpy as np
    import pandas as pd

    ids = pd.read_parquet(big_predictions(project), columns=["prediction_id"])["prediction_id"]
    path = project / "data" / "big_labels.parquet"
    rng = np.random.default_rng(0)
    pd.DataFrame({"prediction_id": ids, "target": rng.integers(0, 2, len(ids))}).to_parquet(path)
    return path


def point_inference_at(project: Path, rows: str, predictions: str) -> None:
    """Edit the batch inference config to read `rows` and write `predictions`."""
    path = project / "configs" / "batch_inference.yaml"
    config = yaml.safe_load(path.read_text())
    config["parameters"].update(inference_data_path=rows, predictions_path=predictions)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def default_rows(count: int) -> list[dict]:
    """Return `count` raw rows of the default schema as JSON records."""
    from sklearn.datasets import load_breast_cancer

    features = load_breast_cancer(as_frame=True).data
    return features.sample(n=count, replace=True, random_state=1).to_dict(orient="records")


def time_requests(url: str, body_of: Callable[[list[dict]], dict]) -> dict[str, float]:
    """Time POSTs to `url`: p50 and p95 in ms per request size, and rows per second."""
    figures: dict[str, float] = {}
    with httpx.Client(timeout=300) as client:
        for size, count in LATENCY_REQUESTS.items():
            body = body_of(default_rows(size))
            client.post(url, json=body).raise_for_status()  # warm up
            times = []
            for _ in range(count):
                start = time.perf_counter()
                client.post(url, json=body).raise_for_status()
                times.append((time.perf_counter() - start) * 1000)
            figures[f"p50 {size}"] = statistics.median(times)
            figures[f"p95 {size}"] = statistics.quantiles(times, n=20)[-1]
        body = body_of(default_rows(THROUGHPUT_ROWS))
        start = time.perf_counter()
        client.post(url, json=body).raise_for_status()
        figures["rows/s"] = THROUGHPUT_ROWS / (time.perf_counter() - start)
    return figures


def measure_serving(project: Path) -> tuple[float, dict[str, dict[str, float]]]:
    """Deploy the staged version afresh; time it, then each path's requests."""
    run_in_project(project, ["-m", "serving", "stop"], capture=True)
    deploy, _ = measure(project, ["-m", "serving", "serve"])
    status = run_in_project(project, ["-m", "serving", "status"], capture=True).stdout
    url = service_url(status)
    zenml_body = lambda rows: {"parameters": {"rows": rows}}  # noqa: E731
    paths = {
        "/invoke": time_requests(f"{url}/invoke", zenml_body),
        "/predict": time_requests(f"{url}/predict", zenml_body),
    }
    port = free_port()
    mlflow_server = subprocess.Popen(
        [sys.executable, str(SCRIPTS / "serve_mlflow_model.py"), str(port)],
        cwd=project,
        env=project_env(project),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/ping", mlflow_server, seconds=120)
        paths["mlflow /invocations"] = time_requests(
            f"http://127.0.0.1:{port}/invocations", lambda rows: {"dataframe_records": rows}
        )
    finally:
        for member in [*psutil.Process(mlflow_server.pid).children(recursive=True)]:
            member.kill()
        mlflow_server.kill()
        mlflow_server.wait()
    return deploy, paths


def measure_real_table(workdir: Path, task_type: str) -> dict[str, tuple[float, float]]:
    """Train and batch-predict a real table in a project and in plain scripts."""
    from real_table import make_table

    target = "delay" if task_type == "regression" else "late"
    project = render(
        workdir / f"real-{task_type}",
        {
            "dataset": "custom",
            "dataset_path": "data/table.parquet",
            "target_column": target,
            "task_type": task_type,
            "promotion_metric": "mae" if task_type == "regression" else "accuracy",
            "inference_data_path": "data/new_rows.parquet",
        },
    )
    (project / "data").mkdir()
    make_table(REAL_TABLE_ROWS, seed=0, task_type=task_type).to_parquet(
        project / "data" / "table.parquet", index=False
    )
    new_rows = make_table(REAL_TABLE_ROWS, seed=1, task_type=task_type).drop(columns=[target])
    new_rows.to_parquet(project / "data" / "new_rows.parquet", index=False)
    del new_rows
    figures = {}
    try:
        setup_stack(project)
        figures["training"] = measure(project, ["run.py", "--only-training"])
        figures["plain training"] = measure(
            project, [str(SCRIPTS / "plain_sklearn.py"), "--train-only"]
        )
        figures["inference"] = measure(project, ["run.py", "--only-inference", "--no-cache"])
        run_in_project(project, [str(SCRIPTS / "export_models.py"), "models.pkl"], capture=True)
        figures["plain inference"] = measure(
            project,
            [str(SCRIPTS / "plain_predict.py"), "models.pkl", "data/new_rows.parquet", "out.pq"],
        )
    finally:
        stop_services(project)
        shutil.rmtree(project, ignore_errors=True)
    return figures


def print_real_table(task_type: str, figures: dict[str, tuple[float, float]]) -> None:
    """Print one real table's figures and how they stand against the targets."""
    print(f"    real table, {REAL_TABLE_ROWS:,} rows, {task_type}:")
    for name, (seconds, peak) in figures.items():
        print(f"      {name:<18}{seconds:7.1f} s  peak {peak:6.0f} MiB")
    (train, train_peak), (plain, plain_peak) = figures["training"], figures["plain training"]
    print(
        f"      training = {train / plain:.2f}x plain time (target 2), "
        f"{train_peak / plain_peak:.2f}x plain peak (target 1.5), "
        f"peak {train_peak / 1024:.1f} GiB (target under 4)"
    )


def main() -> None:
    """Render, measure, print the figures, and clean up."""
    workdir = Path(tempfile.mkdtemp(prefix="zenml-e2e-benchmark-"))
    project = render(workdir / "project")
    try:
        setup_stack(project)
        plain, _ = measure(project, [str(SCRIPTS / "plain_sklearn.py")])
        cold, _ = measure(project, ["run.py"])
        warm, _ = measure(project, ["run.py"])
        small, small_peak = measure(project, ["run.py", "--only-inference", "--no-cache"])
        write_big_batch(project / "data" / "big.parquet")
        point_inference_at(project, "data/big.parquet", "predictions/big.parquet")
        big, big_peak = measure(project, ["run.py", "--only-inference", "--no-cache"])
        durations = json.loads(
            run_in_project(project, [str(SCRIPTS / "step_durations.py")], capture=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        labels_path = write_big_labels(project)
        labels, _ = measure(project, ["run.py", "--labels", str(labels_path)])
        plain_labels, _ = measure(
            project,
            [str(SCRIPTS / "plain_labels.py"), str(big_predictions(project)), str(labels_path)],
        )
        run_in_project(project, [str(SCRIPTS / "export_models.py"), "models.pkl"], capture=True)
        direct, direct_peak = measure(
            project,
            [str(SCRIPTS / "plain_predict.py"), "models.pkl", "data/big.parquet", "out.parquet"],
        )
        deploy, paths = measure_serving(project)
        stop_services(project)
        real_tables = {
            task_type: measure_real_table(workdir, task_type)
            for task_type in ("regression", "classification")
        }
    finally:
        stop_services(project)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"(a) plain scikit-learn script:      {plain:6.1f} s")
    print(f"(b) cold python run.py:             {cold:6.1f} s  b/a = {cold / plain:.2f} (target 5)")
    warm_ratio = warm / plain
    print(f"(c) identical second run:           {warm:6.1f} s  c/a = {warm_ratio:.2f} (target 2.5)")
    print(f"(d) inference, {BIG_BATCH_ROWS:,} rows:      {big:6.1f} s  peak {big_peak:6.0f} MiB")
    print(f"(e) plain predict, same rows:       {direct:6.1f} s  peak {direct_peak:6.0f} MiB")
    print(f"(f) inference, 57 rows (start-up):  {small:6.1f} s  peak {small_peak:6.0f} MiB")
    print(
        f"    d - f = {(big - small) / direct:.2f} e (target 1.5), "
        f"d's peak = {big_peak / direct_peak:.2f}x e's (target 1.3)"
    )

    recorder = durations["steps"]["batch_recorder"]
    print(
        f"(h) batch_recorder, {BIG_BATCH_ROWS:,} rows: {recorder:6.1f} s  = "
        f"{recorder / (durations['run'] - recorder):.0%} of the rest of the run (target 15%)"
    )
    print(
        f"(i) run.py --labels, {BIG_BATCH_ROWS:,}:     {labels:6.1f} s  i/j = "
        f"{labels / plain_labels:.2f} (target 2)"
    )
    print(f"(j) plain join and metrics:         {plain_labels:6.1f} s")

    print(f"(g) python -m serving serve:        {deploy:6.1f} s  (deploy of the staged version)")
    print(f"    {'path':<22}{'p50 1':>8}{'p95 1':>8}{'p50 100':>9}{'p95 100':>9}  rows/s 10k")
    for path, figures in paths.items():
        print(
            f"    {path:<22}{figures['p50 1']:6.1f}ms{figures['p95 1']:6.1f}ms"
            f"{figures['p50 100']:7.1f}ms{figures['p95 100']:7.1f}ms  {figures['rows/s']:9.0f}"
        )
    ratio = paths["/predict"]["p50 1"] / paths["mlflow /invocations"]["p50 1"]
    print(f"    /predict 1-row p50 = {ratio:.1f}x MLflow's (target 2)")
    print(
        "    /invoke records a pipeline run per request (run, step, status and outputs in "
        "the ZenML store): its floor."
    )

    for task_type, figures in real_tables.items():
        print_real_table(task_type, figures)


if __name__ == "__main__":
    main()
