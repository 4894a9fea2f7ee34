"""Monitoring over time, run for real: a table whose shift grows batch by batch.

A project trains on the first months of a time-ordered table, predicts six monthly
batches, receives the labels of the first four late (in parts, one part twice), and
checks the retrain trigger after each batch. The trigger must fire exactly where its
rule says, retrain through the gates, and never fire again on the same batches.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from conftest import inspect, plain_text, run
from generated_project import free_port, project_env, run_in_project

pytestmark = pytest.mark.slow

# How far the features (and the boundary of the target) move in each monthly batch.
SHIFTS = [0.0, 0.0, 0.8, 1.6, 2.4, 3.2]
BATCH_ROWS = 400
LABELLED_BATCHES = 4


def orders(size: int, shift: float, seed: int, start: int) -> pd.DataFrame:
    """Orders with an id, a time, two signals that move with `shift`, a plan and a label."""
    rng = np.random.default_rng(seed)
    amount = rng.normal(shift, 1, size)
    visits = rng.normal(shift, 1, size)
    return pd.DataFrame(
        {
            "order_id": [f"order-{start + n}" for n in range(size)],
            "ordered_at": pd.Timestamp("2026-01-01")
            + pd.to_timedelta(start + np.arange(size), "h"),
            "amount": amount.round(4),
            "visits": visits.round(4),
            "plan": rng.choice(["basic", "plus", "pro"], size),
            # The boundary moves too: a model of the first months grows wrong.
            "returned": np.where(
                amount + 0.5 * visits + rng.normal(0, 0.5, size) > 1.5 * shift, "yes", "no"
            ),
        }
    )


def status(project: Path) -> dict:
    result = run_in_project(project, ["-m", "monitoring", "status", "--json"], capture=True)
    return json.loads(result.stdout)


def should_fire(batches: list[dict], fired_on: set[str], trigger: dict) -> bool:
    """The rule of configs/monitoring.yaml, written out independently of the project's code."""
    last = max((n for n, b in enumerate(batches) if b["batch_id"] in fired_on), default=-1)
    window = batches[last + 1 :][-trigger["window"] :]

    def breaches(batch: dict) -> bool:
        labelled = batch["labelled_share"] >= trigger["min_labelled_share"]
        value = (
            batch["realized"] if labelled and batch["realized"] is not None else batch["estimated"]
        )
        low = value is not None and value < trigger["metric_threshold"]
        drifted = bool(batch["drifted_share"]) and (
            batch["drifted_share"] >= trigger["max_drifted_share"]
        )
        return low or drifted

    return (
        bool(window)
        and breaches(window[-1])
        and (sum(map(breaches, window)) >= trigger["breaches"])
    )


def test_batches_labels_estimates_and_the_retrain_trigger(running_project, tmp_path: Path) -> None:
    project = running_project(
        dataset="custom",
        dataset_path="data/orders.csv",
        target_column="returned",
        inference_data_path="data/batch.csv",
        hyperparameters_tuning=False,
    )
    (project / "data").mkdir()
    history = orders(1500, 0.0, seed=0, start=0)
    history.to_csv(project / "data" / "orders.csv", index=False)
    config_path = project / "configs" / "monitoring.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["id_column"] = "order_id"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    trigger = config["trigger"]
    # The trigger judges drift here: batch inference's own gate lets every batch through.
    batch_config = project / "configs" / "batch_inference.yaml"
    settings = yaml.safe_load(batch_config.read_text())
    settings["parameters"]["drift"]["max_drifted_share"] = 1.0
    batch_config.write_text(yaml.safe_dump(settings, sort_keys=False))
    run(project, "--only-training")

    batches = [
        orders(BATCH_ROWS, shift, seed=10 + n, start=10_000 * (n + 1))
        for n, shift in enumerate(SHIFTS)
    ]
    fired_on: set[str] = set()
    firings = []
    for number, batch in enumerate(batches, start=1):
        batch.drop(columns="returned").to_csv(project / "data" / "batch.csv", index=False)
        output = run(project, "--only-inference")
        assert f"Predicting {BATCH_ROWS} rows" in output
        if number == LABELLED_BATCHES:
            give_labels_late(project, batches[:LABELLED_BATCHES], tmp_path)
        recorded = status(project)
        assert len(recorded["batches"]) == number
        expected = should_fire(recorded["batches"], fired_on, trigger)
        assert recorded["trigger"]["fired"] is expected, (number, recorded)
        output = run(project, "--monitor")
        assert "Step retrain_trigger has finished" in output  # the monitor pipeline's step
        if expected:
            assert "Retraining 'zenml_e2e_project':" in output
            assert "the alert would say" in output  # the log is this project's alerter
            # The alert names the batches and their figures.
            assert all(batch in output for batch in recorded["trigger"]["batches"])
            assert "(version " in output
            assert "Launching child pipeline training" in output
            assert "Step firing_recorder has finished" in output
            new = set(recorded["trigger"]["batches"])
            assert not new & fired_on  # never again on the same batches
            fired_on |= new
            firings.append(number)
        else:
            assert "The retrain trigger holds:" in output
    # The shift crosses the drift rule from the third batch: 2 of 3 breach at the fourth.
    assert firings and firings[0] == 4, firings

    recorded = status(project)["batches"]
    ids = pd.concat(
        [
            pd.read_parquet(path)
            for path in sorted(
                (project / "monitoring_history").glob("batches/*.predictions.parquet")
            )
        ]  # fmt: skip
    )["prediction_id"]
    assert ids.is_unique and len(ids) == BATCH_ROWS * len(SHIFTS)
    predictions = {
        row["batch_id"]: pd.read_parquet(
            project / "monitoring_history" / "batches" / f"{row['batch_id']}.predictions.parquet"
        )
        for row in recorded
    }
    labelled = zip(recorded[:LABELLED_BATCHES], batches[:LABELLED_BATCHES], strict=True)
    for row, batch in labelled:
        joined = predictions[row["batch_id"]].merge(
            batch.rename(columns={"order_id": "prediction_id"}), on="prediction_id"
        )
        assert row["labelled_share"] == 1.0
        assert row["realized_metrics"]["accuracy"] == pytest.approx(
            accuracy_score(joined["returned"], joined["prediction"].astype(str))
        )
        assert row["realized_metrics"]["f1"] == pytest.approx(
            f1_score(joined["returned"], joined["prediction"].astype(str), average="macro")
        )
        assert row["realized_metrics"]["roc_auc"] == pytest.approx(
            roc_auc_score(joined["returned"] == "yes", joined["proba:yes"])
        )
    for row in recorded[LABELLED_BATCHES:]:
        assert row["realized"] is None and row["labelled_share"] == 0.0
    # Before the shift, the estimate stands close to what the labels then showed.
    for row in recorded[:2]:
        assert abs(row["estimated"] - row["realized"]) < 0.06, row

    state = inspect(project)
    # A training run, then one per firing; each retrained version went through promotion.
    training_runs = [run_["status"] for run_ in state["runs"]["training"]]
    assert training_runs == ["completed"] * (1 + len(firings))
    monitor_runs = state["runs"]["monitor"]
    assert [run_["status"] for run_ in monitor_runs] == ["completed"] * len(SHIFTS)
    for number, monitor_run in enumerate(monitor_runs, start=1):
        fired = ["retrain_trigger", "firing_recorder"] if number in firings else []
        assert list(monitor_run["steps"]) == (fired or ["retrain_trigger"])
    for retrained in state["versions"][1:]:
        assert "promote" in retrained["promotion"]

    schedule = run(project, "--schedule", check=False).strip().splitlines()[-1]
    assert schedule.startswith("Error: The local orchestrator takes no schedules: add these")
    assert "run.py --only-inference" in schedule and "run.py --monitor" in schedule

    # A batch that batch inference's own drift gate refuses is recorded, with its drift.
    settings["parameters"]["drift"]["max_drifted_share"] = 0.5
    batch_config.write_text(yaml.safe_dump(settings, sort_keys=False))
    refused = orders(BATCH_ROWS, 5.0, seed=99, start=99_000).drop(columns="returned")
    refused.to_csv(project / "data" / "batch.csv", index=False)
    output = run(project, "--only-inference", check=False)
    assert "Data quality gates failed" in output
    last = status(project)["batches"][-1]
    assert last["refused"] is True and last["drifted_share"] >= 0.5 and last["rows"] == BATCH_ROWS
    # Let through later, the same batch is predicted and recorded in its place.
    settings["parameters"]["drift"]["max_drifted_share"] = 1.0
    batch_config.write_text(yaml.safe_dump(settings, sort_keys=False))
    run(project, "--only-inference")
    again = status(project)["batches"]
    assert len(again) == len(SHIFTS) + 1
    assert again[-1]["batch_id"] == last["batch_id"] and again[-1]["refused"] is False
    assert again[-1]["estimated"] is not None

    card = run_in_project(project, ["-m", "monitoring", "card"], capture=True).stdout
    assert f"version {state['staged_version']}" in card.lower()

    check_dashboard(project)

    scheduled_monitor_retrains(project, trigger, len(firings))


def scheduled_monitor_retrains(project: Path, trigger: dict, firings: int) -> None:
    """On an orchestrator that takes schedules, `--schedule` registers both pipelines.

    The orchestrator is a stand-in for a cloud scheduler (tests/schedule_standin.py): it
    keeps what it is given. Running the kept monitor once, with the command a Kubernetes
    CronJob runs, retrains when the trigger fires, and records the firing.
    """
    shutil.copy(Path(__file__).parent / "schedule_standin.py", project)
    run_in_project(project, ["schedule_standin.py"])
    # A second batch drifted as far as the last one: the trigger fires on the two.
    drifted = orders(BATCH_ROWS, 5.0, seed=100, start=100_000).drop(columns="returned")
    drifted.to_csv(project / "data" / "batch.csv", index=False)
    run(project, "--only-inference")
    before = status(project)
    assert should_fire(before["batches"], fired_on_so_far(project), trigger)

    # A retraining that fails fails the monitor run: no firing is recorded, and the
    # version it started is discarded.
    training_config = project / "configs" / "training.yaml"
    training_text = training_config.read_text()
    pd.DataFrame({"amount": [1.0, 2.0]}).to_csv(project / "data" / "broken.csv", index=False)
    training_config.write_text(training_text.replace("data/orders.csv", "data/broken.csv"))
    output = run(project, "--monitor", check=False).strip().splitlines()[-1]
    assert output.startswith("Error: Pipeline monitor failed in step data_loader: "), output
    assert "returned" in output  # the missing target column
    assert status(project)["trigger"] == before["trigger"]
    training_config.write_text(training_text)

    output = run(project, "--schedule").strip().splitlines()[-1]
    assert output == (
        "Batch inference runs on the kept_schedules orchestrator at '0 6 * * *', and the "
        "monitor at '30 6 * * *'."
    )
    kept = json.loads((project / ".zenml-home" / "kept_schedules.json").read_text())
    assert [(entry["pipeline"], entry["cron"], entry["dynamic"]) for entry in kept] == [
        ("batch_inference", "0 6 * * *", False),
        ("monitor", "30 6 * * *", True),
    ]
    state = inspect(project)
    assert [run_["status"] for run_ in state["runs"]["training"]] == ["completed"] * (
        1 + firings
    ) + ["failed"]  # the schedule registered, ran nothing
    assert len(state["versions"]) == 1 + firings

    command = kept[1]["command"]
    assert command[:3] == ["python", "-m", "zenml.entrypoints.entrypoint"]
    result = run_in_project(project, command[1:], check=False, capture=True)
    output = plain_text(result.stdout + result.stderr)
    assert result.returncode == 0, output[-5000:]
    assert "Retraining 'zenml_e2e_project':" in output
    after = status(project)
    assert after["trigger"]["fired"] is False  # the firing is recorded: never again
    assert set(before["trigger"]["batches"]) <= fired_on_so_far(project)
    state = inspect(project)
    assert [run_["status"] for run_ in state["runs"]["training"]] == ["completed"] * (
        1 + firings
    ) + ["failed", "completed"]
    assert "promote" in state["versions"][-1]["promotion"]


def fired_on_so_far(project: Path) -> set[str]:
    """Return the batches on which the trigger has fired, as the history records them."""
    state = json.loads((project / "monitoring_history" / "trigger.json").read_text())
    return {batch for firing in state["fired"] for batch in firing["batches"]}


def give_labels_late(project: Path, labelled: list[pd.DataFrame], folder: Path) -> None:
    """Hand back the labels of the first batches in two parts, the second overlapping."""
    labels = pd.concat(labelled)[["order_id", "returned"]]
    first, second = labels.iloc[: BATCH_ROWS * 2], labels.iloc[BATCH_ROWS:]
    first.to_csv(folder / "labels-1.csv", index=False)
    second.to_parquet(folder / "labels-2.parquet", index=False)
    output = run(project, "--labels", str(folder / "labels-1.csv"))
    assert (
        f"{BATCH_ROWS * 2} labels read; {BATCH_ROWS * 2} matched predictions in 2 batch(es)."
        in output
    )
    output = run(project, "--labels", str(folder / "labels-2.parquet"))
    assert f"{BATCH_ROWS} had arrived before and were not counted again." in output

    # A file without the target is refused in one line, and loses nothing.
    before = status(project)
    labels[["order_id"]].to_csv(folder / "bad.csv", index=False)
    output = run(project, "--labels", str(folder / "bad.csv"), check=False)
    assert output.strip().splitlines()[-1] == (
        f"Error: {folder / 'bad.csv'} has no column 'returned': labels need the prediction "
        "id ('order_id') and the target ('returned')."
    )
    assert status(project) == before
    # The user adds the labelled months to the training data, as a retrain should use them.
    table = pd.read_csv(project / "data" / "orders.csv")
    pd.concat([table, *labelled]).to_csv(project / "data" / "orders.csv", index=False)


def check_dashboard(project: Path) -> None:
    """Serve the Evidently workspace on loopback; its dashboard plots the batches."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "monitoring", "ui", "--port", str(port)],
        cwd=project,
        env=project_env(project),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        projects = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                projects = httpx.get(f"http://127.0.0.1:{port}/api/projects", timeout=2).json()
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        assert projects, plain_text(server.stdout.read() if server.poll() is not None else "")
        [workspace_project] = projects
        assert workspace_project["name"] == "Batches of zenml_e2e_project"
        base = f"http://127.0.0.1:{port}/api"
        dashboard = httpx.get(f"{base}/v2/dashboards/{workspace_project['id']}", timeout=10)
        titles = [panel["title"] for panel in dashboard.json()["panels"]]
        assert titles[0].startswith("accuracy per batch: estimated before labels")
        snapshots = httpx.get(f"{base}/projects/{workspace_project['id']}/snapshots", timeout=10)
        # Each batch's figures, and its drift report where drift was checked.
        assert len(snapshots.json()) == 2 * (len(SHIFTS) + 1)
        # What the line plots draw: the estimate of every batch, in time order.
        series = httpx.post(
            f"{base}/v2/snapshots/{workspace_project['id']}/data_series_batch",
            json={
                "series_filter": [
                    {
                        "tags": [],
                        "metadata": {},
                        "metric": "evidently:metric_v2:MeanValue",
                        "metric_labels": {"column": "estimated"},
                    }
                ]
            },
            timeout=30,
        )
        assert series.is_success, series.text[:500]
        [estimated] = series.json()["series"]
        assert len(estimated["values"]) == len(SHIFTS) + 1
    finally:
        server.terminate()
        server.wait(timeout=30)
